/**
 * The credential forms, read from the provider registry (packages/shared/src/providers):
 * which fields each provider asks for, its texts, and the same secret schema the hub applies,
 * whose messages say how to fix each field. Pure: unit-tested, used by the forms before
 * anything reaches the hub.
 */
import {
  providerRegistry,
  type ProviderDefinition,
  type ProviderField,
  type SecretValues,
} from '@made-open/shared/providers';
import { z } from 'zod';
import type { CredentialType } from './model';

export type { ProviderDefinition, ProviderField };

/** The providers a person can add, in the registry's order. */
export const credentialProviders = (): readonly ProviderDefinition[] => providerRegistry.list();

/** The provider a new credential form starts on: the first registered. */
export const defaultCredentialType = (): CredentialType => providerRegistry.ids()[0] ?? '';

export const providerOf = (type: CredentialType): ProviderDefinition | undefined => providerRegistry.get(type);

/** The provider's name, or the stored type itself for a provider this app does not know. */
export const providerLabel = (type: CredentialType): string => providerOf(type)?.label ?? type;

/** The provider as a noun with its article ("a Twilio credential"). */
export const providerNoun = (type: CredentialType): string => providerOf(type)?.noun ?? `a ${type} credential`;

/** The label of a masked hint the hub returned. */
export function hintLabel(type: CredentialType, key: string): string {
  return providerOf(type)?.fields.find((f) => f.name === key)?.hintLabel ?? key;
}

/**
 * The secret parts of a credential, named for display as dots: its secret fields, and the
 * values behind the names of its record fields (header values), when it has any.
 */
export function secretLabels(c: { type: CredentialType; fields: string[]; hints: Record<string, string> }): string[] {
  const provider = providerOf(c.type);
  if (!provider) return c.fields.filter((f) => !(f in c.hints));
  return provider.fields.flatMap((f) => {
    if (f.kind === 'secret') return c.fields.includes(f.name) ? [f.label] : [];
    if (f.kind === 'record' && f.rows) return c.hints[f.name] ? [f.rows.valuesLabel] : [];
    return [];
  });
}

export interface GenericRow {
  key: string;
  value: string;
}

/** What the form collects, before validation: one-line and host fields as typed, record fields as rows. */
export interface CredentialFormValues {
  type: CredentialType;
  name: string;
  fields: Record<string, string>;
  rows: Record<string, GenericRow[]>;
}

const row = z.object({ key: z.string().max(200), value: z.string().max(5000) });
/** The shape a Server Action accepts, before the rules below. */
export const CredentialFormValuesSchema = z.object({
  type: z.string().max(100),
  name: z.string().max(1000),
  fields: z.record(z.string(), z.string().max(10_000)),
  rows: z.record(z.string(), z.array(row).max(50)),
});

export type CredentialInput = { type: CredentialType; name: string; secret: Record<string, unknown> };
export type CredentialFieldErrors = Record<string, string>;

/** Rows -> the object the hub stores, with an error per row a person can fix next to it. */
function rowsToRecord(field: ProviderField, list: GenericRow[], errors: CredentialFieldErrors) {
  const out: Record<string, string> = {};
  list.forEach((r, i) => {
    const key = r.key.trim();
    if (!key && !r.value) return; // an empty row the person left alone
    const at = `${field.name}.${i}`;
    if (!field.rows?.keyPattern.test(key)) errors[`${at}.key`] = field.rows?.keyRule ?? 'Not a valid name.';
    else if (key in out) errors[`${at}.key`] = `${key} is listed twice.`;
    if (!r.value) errors[`${at}.value`] = 'Enter the value to send.';
    out[key] = r.value;
  });
  return out;
}

const hostList = (text: string) => [
  ...new Set(
    text
      .split(/[\s,]+/)
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  ),
];

/** Validates the form with the provider's rules; on success returns the body for POST/PUT /api/v1/credentials. */
export function parseCredentialForm(
  v: CredentialFormValues,
): { ok: true; data: CredentialInput } | { ok: false; fieldErrors: CredentialFieldErrors } {
  const provider = providerOf(v.type);
  if (!provider) return { ok: false, fieldErrors: { type: 'Choose one of the services listed.' } };
  const errors: CredentialFieldErrors = {};
  const name = v.name.trim();
  if (!name) errors.name = 'Give the credential a name you will recognise, like “Work Twilio”.';
  else if (name.length > 200) errors.name = 'Use at most 200 characters.';

  const secret: SecretValues = {};
  for (const field of provider.fields) {
    if (field.kind === 'record') secret[field.name] = rowsToRecord(field, v.rows[field.name] ?? [], errors);
    else if (field.kind === 'hosts') secret[field.name] = hostList(v.fields[field.name] ?? '');
    else secret[field.name] = v.fields[field.name] ?? '';
  }
  const rowErrors = Object.keys(errors).some((k) => k.includes('.'));
  const parsed = provider.secret.safeParse(secret);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = provider.fields.find((f) => f.name === issue.path[0]);
      // A row's own error says more than the record's; and "nothing to send" waits for them.
      if (field?.kind === 'record' && rowErrors) continue;
      errors[String(issue.path[0])] ??= issue.message;
    }
  if (Object.keys(errors).length > 0) {
    // In the form's order, so the first error is the first control to fix.
    const order = ['name', ...provider.fields.map((f) => f.name)];
    const rank = (k: string) => order.indexOf(k.split('.')[0]!);
    const sorted = Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b));
    return { ok: false, fieldErrors: Object.fromEntries(sorted) };
  }
  return { ok: true, data: { type: v.type, name, secret: parsed.success ? parsed.data : secret } };
}
