import 'server-only';
import { cache } from 'react';
import { z } from 'zod';
import { getDefaultRegion } from '@/lib/account';
import { hubFetch } from '@/lib/hub';
import { readablePhone } from '@/lib/phones';
import { sendersFor, type SendChannel, type Sender } from '@/lib/messages/senders';
import { ConnectionSchema, MicrosoftConnectionSchema, TwilioNumbersSchema, type MicrosoftOptions } from './model';

const id = (value: string) => encodeURIComponent(value);

/**
 * GET /api/v1/connections once per server render: the app shell (ringing, sign-in notices) and
 * the page (senders, Save to Outlook, calendars) all read it. Outside a render it simply fetches.
 */
export const fetchConnections = cache(() => hubFetch<unknown>('/connections'));

/** Your Twilio numbers that are connected or being connected (disconnected ones are history). */
export async function listTwilioConnections() {
  const { connections } = z.object({ connections: z.array(ConnectionSchema) }).parse(await fetchConnections());
  return connections.filter((c) => c.provider === 'twilio' && c.status !== 'disconnected');
}

/** The connections that can send on `channel` (for a "From" picker: shown when there are several). */
export async function listSenders(channel: SendChannel): Promise<Sender[]> {
  const { connections } = z
    .object({
      connections: z.array(z.object({ id: z.string(), provider: z.string(), label: z.string(), status: z.string() })),
    })
    .parse(await fetchConnections());
  const senders = sendersFor(connections, channel);
  if (channel === 'email' || senders.length < 2) return senders;
  // Numbers as the rest of the app writes them (+1 415 555 0100).
  const region = await getDefaultRegion();
  return senders.map((sender) => ({ ...sender, label: readablePhone(sender.label, region) }));
}

/** Your Microsoft 365 connections that are live (disconnected ones are history). */
export async function listMicrosoftConnections() {
  const { connections } = z
    .object({ connections: z.array(z.object({ provider: z.string(), status: z.string() }).passthrough()) })
    .parse(await fetchConnections());
  return connections
    .filter((c) => c.provider === 'microsoft' && c.status !== 'disconnected')
    .map((c) => MicrosoftConnectionSchema.parse(c));
}

/** Starts the Microsoft sign-in: the URL to send the browser to (the hub keeps the PKCE verifier). */
export async function startMicrosoftSignIn(input: {
  credentialId: string;
  options?: MicrosoftOptions;
  connectionId?: string;
  returnTo: string;
}) {
  return z
    .object({ authorizeUrl: z.string().url() })
    .parse(await hubFetch('/connections/microsoft/authorize', { method: 'POST', body: input }));
}

/** Changes what a connection syncs (the hub takes only the options it allows to change). */
export async function updateConnectionOptions(connectionId: string, options: Record<string, unknown>) {
  await hubFetch(`/connections/${id(connectionId)}`, { method: 'PATCH', body: { options } });
}

/** Saves a person to a Microsoft 365 account's contacts; the person is that contact from then on. */
export async function saveToContacts(connectionId: string, personId: string) {
  await hubFetch(`/connections/${id(connectionId)}/contacts`, { method: 'POST', body: { personId } });
}

export async function syncConnection(connectionId: string) {
  await hubFetch(`/connections/${id(connectionId)}/sync`, { method: 'POST' });
}

export async function listTwilioNumbers(credentialId: string) {
  return TwilioNumbersSchema.parse(await hubFetch('/connections/twilio/numbers', { query: { credentialId } }));
}

/** `recordOutgoingCalls`: record calls placed from the number (both parties), off unless asked for. */
export async function connectTwilioNumber(credentialId: string, phoneNumber: string, recordOutgoingCalls = false) {
  return ConnectionSchema.parse(
    await hubFetch('/connections', {
      method: 'POST',
      body: { provider: 'twilio', credentialId, options: { phoneNumber, recordOutgoingCalls } },
    }),
  );
}

export async function testConnection(connectionId: string) {
  return z
    .object({ ok: z.boolean(), message: z.string() })
    .parse(await hubFetch(`/connections/${id(connectionId)}/test`, { method: 'POST' }));
}

export async function disconnect(connectionId: string) {
  await hubFetch(`/connections/${id(connectionId)}`, { method: 'DELETE' });
}
