import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../../../platform/errors.ts';
import type { IngestItem } from '../../graph/index.ts';
import { ConnectorError, defineConnector, type WebhookRequest } from '../connectors.contract.ts';
import type { StandInMessage } from './acme-inbox.stand-in.ts';

/**
 * A connector for the test-only Acme Inbox provider: everything a real one does (connect
 * registers a webhook at the provider, disconnect removes it, sync pages a change feed from
 * a cursor, webhooks are HMAC-signed), small enough to read in one go.
 */

/** Acme signs `v1=` + hex HMAC-SHA256(webhook secret, URL + "\n" + raw body). */
export function acmeSignature(secret: string, url: string, rawBody: Buffer | string): string {
  return `v1=${createHmac('sha256', secret).update(`${url}\n`).update(rawBody).digest('hex')}`;
}

const options = z.strictObject({
  mailbox: z.string().regex(/^[a-z0-9-]{1,40}$/, 'A mailbox name: lowercase letters, digits and dashes.'),
  /** Also configure sending (the inbox-send capability). */
  send: z.boolean().default(false),
  pageSize: z.number().int().min(1).max(500).default(50),
});

const messageSchema = z.object({
  id: z.string().min(1).max(200),
  from: z.string().min(3).max(320),
  subject: z.string().max(1000),
  body: z.string().max(100_000),
  sent_at: z.string().datetime({ offset: true }),
});

function itemOf(message: z.infer<typeof messageSchema>, mailbox: string): IngestItem {
  return {
    type: 'message',
    source: 'acme-inbox',
    externalId: message.id,
    title: message.subject,
    body: message.body,
    occurredAt: message.sent_at,
    properties: {
      channel: 'email',
      direction: 'inbound',
      from: message.from,
      to: [`${mailbox}@acme-inbox.example`],
      subject: message.subject,
    },
    people: [{ role: 'from', email: message.from }],
  };
}

const cursorSchema = z.object({ after: z.number().int().min(0) }).nullable();

function webhookMessage(request: WebhookRequest) {
  const raw = request.contentType.startsWith('application/json')
    ? (request.json() as { message?: unknown } | undefined)?.message
    : request.form();
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('The webhook body is not an Acme message.');
  return parsed.data;
}

/** What the hub told the connector after options changed (PATCH), for the tests to check. */
export const acmeReconfigured: { connectionId: string; pageSize: number; changed: string[] }[] = [];

export const acmeInboxConnector = defineConnector({
  provider: 'acme-inbox',
  capabilities: ['inbox', 'inbox-send'],
  options,
  configures: (o) => (o.send ? ['inbox', 'inbox-send'] : ['inbox']),
  editableOptions: ['pageSize'],
  async reconfigured(ctx, changed) {
    acmeReconfigured.push({ connectionId: ctx.connectionId, pageSize: ctx.options.pageSize, changed: [...changed] });
  },

  async connect(ctx) {
    const account = String(ctx.credential.secret.accountId);
    const mailboxPath = `/v1/accounts/${account}/mailboxes/${ctx.options.mailbox}`;
    const mailbox = await ctx.api
      .json<{ id: string; address: string }>({ path: mailboxPath })
      .catch((error: unknown) => {
        if (error instanceof ConnectorError && error.kind === 'account')
          throw new ConnectorError(
            'account',
            `Acme Inbox has no mailbox "${ctx.options.mailbox}" in this account: check its name.`,
          );
        throw error;
      });
    const hook = await ctx.api.json<{ id: string }>({
      method: 'POST',
      path: `${mailboxPath}/webhooks`,
      json: { url: ctx.webhookUrl('messages') },
    });
    return { accountId: `${account}/${mailbox.id}`, label: mailbox.address, state: { webhookId: hook.id } };
  },

  async test(ctx) {
    const mailbox = await ctx.api.json<{ address: string }>({
      path: `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}`,
    });
    return { message: `Acme Inbox answers for ${mailbox.address}.` };
  },

  async disconnect(ctx) {
    const webhookId = ctx.state.webhookId;
    if (typeof webhookId !== 'string') return;
    const path = `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}/webhooks/${webhookId}`;
    const response = await ctx.api.request({ method: 'DELETE', path, idempotent: true });
    if (response.status !== 204 && response.status !== 404)
      throw new ConnectorError('provider', `Acme Inbox did not remove the webhook (HTTP ${response.status}).`);
  },

  sync: {
    async page(ctx) {
      const cursor = cursorSchema.parse(ctx.cursor);
      const page = await ctx.api.json<{
        messages: StandInMessage[];
        next_after: number;
        has_more: boolean;
        remaining: number;
      }>({
        path: `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}/messages`,
        query: { after: cursor?.after ?? 0, limit: ctx.options.pageSize },
      });
      return {
        items: page.messages.map((m) => itemOf(messageSchema.parse(m), ctx.options.mailbox)),
        cursor: { after: page.next_after },
        done: !page.has_more,
        remaining: page.remaining,
      };
    },
  },

  webhooks: {
    paths: ['messages'],
    signature: (request, credential) => ({
      presented: request.headers['x-acme-signature'],
      expected: [acmeSignature(String(credential.secret.webhookSecret), request.url, request.rawBody)],
    }),
    async handle({ connection, request, ingest }) {
      const message = webhookMessage(request);
      const result = await ingest([itemOf(message, connection.options.mailbox)]);
      return {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ status: result.items[0]?.status }),
      };
    },
  },

  // Email write-back for the messages module's tests (POST /api/v1/messages with channel "email").
  mail: {
    async send(ctx, email) {
      const mailboxPath = `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}`;
      const response = await ctx.api.request({
        method: 'POST',
        path: `${mailboxPath}/send`,
        json: {
          to: email.to.map((a) => a.address),
          cc: (email.cc ?? []).map((a) => a.address),
          bcc: (email.bcc ?? []).map((a) => a.address),
          subject: email.subject,
          text: email.text,
          html: email.html ?? null,
          reply_to: email.replyTo?.externalId ?? null,
          attachments: (email.attachments ?? []).map((file) => ({
            name: file.name,
            content_type: file.contentType,
            content_base64: file.content.toString('base64'),
          })),
        },
      });
      if (response.status === 422)
        throw new ConnectorError('account', 'Acme Inbox refused a recipient: check the addresses.');
      if (response.status !== 202) throw new ConnectorError('provider', `Acme Inbox answered HTTP ${response.status}.`);
      const sent = JSON.parse(response.body.toString('utf8')) as { id: string; conversation_id: string };
      const names = Object.fromEntries(email.to.filter((a) => a.name).map((a) => [a.address, a.name!]));
      return {
        item: {
          type: 'message',
          source: 'acme-inbox',
          externalId: sent.id,
          title: email.subject,
          body: email.text,
          occurredAt: new Date().toISOString(),
          properties: {
            channel: 'email',
            direction: 'outbound',
            from: ctx.label,
            to: email.to.map((a) => a.address),
            ...(email.cc?.length ? { cc: email.cc.map((a) => a.address) } : {}),
            subject: email.subject,
            threadId: sent.conversation_id,
            ...(email.html ? { html: email.html } : {}),
            ...(Object.keys(names).length > 0 ? { names } : {}),
            isRead: true,
            folder: 'sentitems',
          },
          people: email.to.map((a) => ({ role: 'to', email: a.address, ...(a.name ? { name: a.name } : {}) })),
        },
      };
    },
    async attachment(ctx, message, attachmentId) {
      const path = `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}/messages/${encodeURIComponent(message.externalId)}/attachments/${encodeURIComponent(attachmentId)}`;
      const file = await ctx.api.json<{ name: string; content_type: string; content_base64: string }>({ path });
      return { name: file.name, contentType: file.content_type, content: Buffer.from(file.content_base64, 'base64') };
    },
    async setRead(ctx, message, read) {
      const path = `/v1/accounts/${String(ctx.credential.secret.accountId)}/mailboxes/${ctx.options.mailbox}/messages/${encodeURIComponent(message.externalId)}`;
      const response = await ctx.api.request({ method: 'PATCH', path, json: { read }, idempotent: true });
      if (response.status !== 204) throw new ConnectorError('provider', `Acme Inbox answered HTTP ${response.status}.`);
    },
  },
});
