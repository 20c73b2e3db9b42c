/**
 * The credential forms: which fields each type asks for, and the same rules the hub applies
 * (apps/hub/src/modules/wallet/wallet.schemas.ts) with messages that say how to fix them.
 * Pure: unit-tested, used by the forms before anything reaches the hub.
 */
import { z } from 'zod';
import type { CapabilityName, CredentialType } from './model';

export interface CredentialFieldDef {
  name: string;
  label: string;
  hint?: string;
  placeholder?: string;
  /** Secret fields use password inputs, are never shown again and never prefilled. */
  secret: boolean;
  inputMode?: 'url' | 'text';
}

export interface CredentialTypeDef {
  type: CredentialType;
  label: string;
  description: string;
  /** Where to find the values, shown above the fields. */
  where: string;
  /** An example name, as the Name field's placeholder. */
  example: string;
  /** The type as a noun with its article, for sentences: "Needs a Twilio credential." */
  noun: string;
  fields: CredentialFieldDef[];
}

export const CREDENTIAL_TYPES: Record<CredentialType, CredentialTypeDef> = {
  twilio: {
    type: 'twilio',
    noun: 'a Twilio credential',
    example: 'Personal Twilio',
    label: 'Twilio',
    description: 'Text messages, voice calls and video through your Twilio account.',
    where: 'Both values are on the Account Info panel of console.twilio.com.',
    fields: [
      {
        name: 'accountSid',
        label: 'Account SID',
        hint: 'AC followed by 32 letters and digits.',
        placeholder: 'AC…',
        secret: false,
      },
      { name: 'authToken', label: 'Auth Token', secret: true },
    ],
  },
  openrouter: {
    type: 'openrouter',
    noun: 'an OpenRouter key',
    example: 'OpenRouter',
    label: 'OpenRouter',
    description: 'Cloud AI models through OpenRouter.',
    where: 'Create a key at openrouter.ai/keys.',
    fields: [{ name: 'apiKey', label: 'API key', secret: true }],
  },
  microsoft: {
    type: 'microsoft',
    noun: 'a Microsoft 365 credential',
    example: 'Work Microsoft 365',
    label: 'Microsoft 365',
    description: 'Email, calendar and contacts through an application registered in Microsoft Entra.',
    where:
      'In the Entra admin center, open App registrations, then your application: the IDs are on its Overview page, the secret under Certificates & secrets.',
    fields: [
      {
        name: 'tenantId',
        label: 'Directory (tenant) ID',
        hint: 'A UUID, or your domain such as contoso.onmicrosoft.com.',
        secret: false,
      },
      {
        name: 'clientId',
        label: 'Application (client) ID',
        hint: 'A UUID like 00000000-0000-0000-0000-000000000000.',
        secret: false,
      },
      { name: 'clientSecret', label: 'Client secret', hint: 'The secret’s Value, not its ID.', secret: true },
    ],
  },
  ollama: {
    type: 'ollama',
    noun: 'an Ollama address',
    example: 'Home Ollama',
    label: 'Ollama',
    description: 'AI models running on a machine you control.',
    where: 'The address where Ollama listens, as the hub reaches it.',
    fields: [
      { name: 'url', label: 'Ollama URL', placeholder: 'http://127.0.0.1:11434', secret: false, inputMode: 'url' },
    ],
  },
  generic: {
    type: 'generic',
    noun: 'an API key',
    example: 'Weather API key',
    label: 'Other service',
    description: 'An API key or token for any other service. Plugins can use it, but only towards the hosts you list.',
    where: 'Add the headers or query values the service expects, and the hosts it may be sent to.',
    fields: [],
  },
};

export const CREDENTIAL_TYPE_ORDER: CredentialType[] = ['twilio', 'openrouter', 'microsoft', 'ollama', 'generic'];

/** What each type switches on (the hub's capabilitiesByType). */
export const CAPABILITIES_BY_TYPE: Record<CredentialType, readonly CapabilityName[]> = {
  twilio: ['sms', 'voice', 'video'],
  openrouter: ['ai.cloud'],
  microsoft: ['email', 'calendar', 'contacts'],
  ollama: ['ai.local'],
  generic: [],
};

/** Labels for the masked hints the hub returns. */
export const HINT_LABELS: Record<string, string> = {
  accountSid: 'Account SID',
  clientId: 'Client ID',
  tenantId: 'Tenant',
  url: 'URL',
  headers: 'Header names',
  values: 'Query value names',
  allowedHosts: 'Sent only to',
};

/**
 * The secret parts of a credential, named for display as dots: every stored field the hub
 * gives no hint for (for generic ones, the header and query values behind the names).
 */
export function secretLabels(c: { type: CredentialType; fields: string[]; hints: Record<string, string> }): string[] {
  if (c.type === 'generic')
    return [c.hints.headers ? 'Header values' : '', c.hints.values ? 'Query values' : ''].filter(Boolean);
  return c.fields
    .filter((f) => !(f in c.hints))
    .map((f) => CREDENTIAL_TYPES[c.type].fields.find((d) => d.name === f)?.label ?? f);
}

export interface GenericRow {
  key: string;
  value: string;
}

/** What the form collects, before validation. */
export interface CredentialFormValues {
  type: CredentialType;
  name: string;
  fields: Record<string, string>;
  headers: GenericRow[];
  values: GenericRow[];
  allowedHosts: string;
}

const row = z.object({ key: z.string().max(200), value: z.string().max(5000) });
/** The shape a Server Action accepts, before the rules below. */
export const CredentialFormValuesSchema = z.object({
  type: z.enum(['twilio', 'openrouter', 'microsoft', 'ollama', 'generic']),
  name: z.string().max(1000),
  fields: z.record(z.string(), z.string().max(5000)),
  headers: z.array(row).max(50),
  values: z.array(row).max(50),
  allowedHosts: z.string().max(10_000),
});

export type CredentialInput = { type: CredentialType; name: string; secret: Record<string, unknown> };
export type CredentialFieldErrors = Record<string, string>;

const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HEADER = /^[A-Za-z0-9-]{1,100}$/;
const VALUE_KEY = /^[A-Za-z0-9_.-]{1,100}$/;

const secretRules = {
  twilio: z.object({
    accountSid: z
      .string()
      .trim()
      .regex(
        /^AC[0-9a-fA-F]{32}$/,
        'Enter the Account SID: AC followed by 32 letters a–f and digits, as the Twilio Console shows it.',
      ),
    authToken: z
      .string()
      .trim()
      .min(16, 'The Auth Token is at least 16 characters: copy it from the Twilio Console.')
      .max(200, 'That is longer than a Twilio Auth Token.'),
  }),
  openrouter: z.object({
    apiKey: z
      .string()
      .trim()
      .min(8, 'Paste the whole API key (at least 8 characters).')
      .max(500, 'That is longer than an API key.'),
  }),
  microsoft: z.object({
    tenantId: z
      .string()
      .trim()
      .min(1, 'Enter the directory (tenant) ID.')
      .max(100, 'A tenant ID is at most 100 characters.')
      .regex(/^[A-Za-z0-9.-]*$/, 'Use the tenant’s UUID or its domain, without spaces or slashes.'),
    clientId: z
      .string()
      .trim()
      .uuid('Enter the application (client) ID: a UUID like 00000000-0000-0000-0000-000000000000.'),
    clientSecret: z
      .string()
      .trim()
      .min(8, 'Paste the client secret’s value (at least 8 characters).')
      .max(500, 'That is longer than a client secret.'),
  }),
  ollama: z.object({
    url: z
      .string()
      .trim()
      .min(1, 'Enter the address where Ollama listens, like http://127.0.0.1:11434.')
      .refine((v) => {
        try {
          const u = new URL(v);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      }, 'Enter a web address starting with http:// or https://, like http://127.0.0.1:11434.'),
  }),
} as const;

function rows(list: GenericRow[], kind: 'headers' | 'values', errors: CredentialFieldErrors): Record<string, string> {
  const out: Record<string, string> = {};
  list.forEach((row, i) => {
    const key = row.key.trim();
    if (!key && !row.value) return; // an empty row the person left alone
    const pattern = kind === 'headers' ? HEADER : VALUE_KEY;
    if (!pattern.test(key))
      errors[`${kind}.${i}.key`] =
        kind === 'headers'
          ? 'A header name uses letters, digits and dashes only, like X-Api-Key.'
          : 'A name uses letters, digits, dots, dashes and underscores only, like api_key.';
    else if (key in out) errors[`${kind}.${i}.key`] = `${key} is listed twice.`;
    if (!row.value) errors[`${kind}.${i}.value`] = 'Enter the value to send.';
    else if (row.value.length > 4000) errors[`${kind}.${i}.value`] = 'A value is at most 4000 characters.';
    out[key] = row.value;
  });
  return out;
}

/** Validates the form; on success returns the body for POST/PUT /api/v1/credentials. */
export function parseCredentialForm(
  v: CredentialFormValues,
): { ok: true; data: CredentialInput } | { ok: false; fieldErrors: CredentialFieldErrors } {
  const errors: CredentialFieldErrors = {};
  const name = v.name.trim();
  if (!name) errors.name = 'Give the credential a name you will recognise, like “Work Twilio”.';
  else if (name.length > 200) errors.name = 'Use at most 200 characters.';

  let secret: Record<string, unknown> = {};
  if (v.type === 'generic') {
    const headers = rows(v.headers, 'headers', errors);
    const values = rows(v.values, 'values', errors);
    if (
      Object.keys(headers).length === 0 &&
      Object.keys(values).length === 0 &&
      !Object.keys(errors).some((k) => k.startsWith('headers') || k.startsWith('values'))
    )
      errors.headers = 'Add at least one header or query value to send.';
    const hosts = v.allowedHosts
      .split(/[\s,]+/)
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const bad = hosts.filter((h) => !HOST.test(h));
    if (hosts.length === 0)
      errors.allowedHosts = 'List at least one host this credential may be sent to, like api.example.com.';
    else if (bad.length > 0)
      errors.allowedHosts = `Not a host name: ${bad.slice(0, 3).join(', ')}. Use names like api.example.com, without https:// or a path.`;
    else if (hosts.length > 20) errors.allowedHosts = 'List at most 20 hosts.';
    secret = { headers, values, allowedHosts: [...new Set(hosts)] };
  } else {
    const parsed = secretRules[v.type].safeParse(v.fields);
    if (parsed.success) secret = parsed.data;
    else for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  }
  if (Object.keys(errors).length > 0) return { ok: false, fieldErrors: errors };
  return { ok: true, data: { type: v.type, name, secret } };
}
