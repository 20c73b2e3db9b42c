import { z } from 'zod';
import {
  capabilityNameSchema,
  credentialTypeSchema,
  type CapabilityName,
  type CredentialType,
} from '@made-open/shared/wallet-events';
import { capabilitySchema } from '@made-open/shared/wallet-api';

export { credentialTypeSchema, type CredentialType, type CapabilityName };

const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a DNS host name like api.example.com');

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'an HTTP header name');

/** The secret part of each credential type, as the user submits it. */
export const secretSchemas = {
  twilio: z.object({
    accountSid: z
      .string()
      .trim()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID: AC followed by 32 hex digits'),
    authToken: z.string().trim().min(16).max(200),
  }),
  openrouter: z.object({ apiKey: z.string().trim().min(8).max(500) }),
  microsoft: z.object({
    clientId: z.string().trim().uuid('the application (client) ID, a UUID'),
    clientSecret: z.string().trim().min(8).max(500),
    tenantId: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9.-]+$/, 'a tenant id (UUID) or domain'),
  }),
  ollama: z.object({ url: z.string().trim().url() }),
  generic: z.object({
    headers: z.record(headerName, z.string().max(4000)).default({}),
    values: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/), z.string().max(4000)).default({}),
    /** Hosts this credential may be sent to (exact names). */
    allowedHosts: z.array(hostname).min(1).max(20),
  }),
} satisfies Record<CredentialType, z.ZodType>;

export type CredentialSecret<T extends CredentialType = CredentialType> = z.infer<(typeof secretSchemas)[T]>;

export const credentialInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('twilio'), name: z.string().trim().min(1).max(200), secret: secretSchemas.twilio }),
  z.object({
    type: z.literal('openrouter'),
    name: z.string().trim().min(1).max(200),
    secret: secretSchemas.openrouter,
  }),
  z.object({ type: z.literal('microsoft'), name: z.string().trim().min(1).max(200), secret: secretSchemas.microsoft }),
  z.object({ type: z.literal('ollama'), name: z.string().trim().min(1).max(200), secret: secretSchemas.ollama }),
  z.object({ type: z.literal('generic'), name: z.string().trim().min(1).max(200), secret: secretSchemas.generic }),
]);
export type CredentialInput = z.infer<typeof credentialInputSchema>;

/** What switches on when a user holds a credential of each type. */
export const capabilitiesByType: Record<CredentialType, readonly CapabilityName[]> = {
  twilio: ['sms', 'voice', 'video'],
  openrouter: ['ai.cloud'],
  microsoft: ['email', 'calendar', 'contacts'],
  ollama: ['ai.local'],
  generic: [],
};

export const allCapabilities = capabilityNameSchema.options;

/**
 * Where the plugin runtime may send each type's secret, and how. A credential is only
 * ever attached to a request for one of these hosts (generic: its own allowedHosts).
 */
export const injectionRules: Record<
  CredentialType,
  { hosts: readonly string[]; methods: readonly ('basic' | 'bearer' | 'header' | 'query')[] }
> = {
  twilio: {
    hosts: [
      'api.twilio.com',
      'video.twilio.com',
      'voice.twilio.com',
      'messaging.twilio.com',
      'conversations.twilio.com',
    ],
    methods: ['basic'],
  },
  openrouter: { hosts: ['openrouter.ai'], methods: ['bearer'] },
  microsoft: { hosts: ['login.microsoftonline.com'], methods: ['basic'] },
  ollama: { hosts: [], methods: [] },
  generic: { hosts: [], methods: ['header', 'query'] },
};

/** Fields of a secret that identify rather than authorise: shown masked, given to plugins. */
export const publicFields: Record<CredentialType, readonly string[]> = {
  twilio: ['accountSid'],
  openrouter: [],
  microsoft: ['clientId', 'tenantId'],
  ollama: ['url'],
  generic: [],
};

/** Masked metadata: enough to recognise a credential, nothing that authorises anything. */
export function hintsOf(type: CredentialType, secret: Record<string, unknown>): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const field of publicFields[type]) {
    const value = secret[field];
    if (typeof value !== 'string') continue;
    hints[field] = type === 'ollama' ? maskUrl(value) : `${value.slice(0, 2)}…${value.slice(-4)}`;
  }
  if (type === 'generic') {
    const generic = secret as CredentialSecret<'generic'>;
    hints.headers = Object.keys(generic.headers).join(', ');
    hints.values = Object.keys(generic.values).join(', ');
    hints.allowedHosts = generic.allowedHosts.join(', ');
  }
  return hints;
}

function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}`;
  } catch {
    return '…';
  }
}

export { credentialViewSchema, type CredentialView } from '@made-open/shared/wallet-api';
export {
  credentialTestResultSchema as testResultSchema,
  type CredentialTestResult as TestResult,
} from '@made-open/shared/wallet-api';

export const capabilitiesViewSchema = z.object({ capabilities: z.array(capabilitySchema) });
