import { z } from 'zod';
import { ValidationError } from '../../../platform/errors.ts';
import type { WebhookRequest } from '../connectors.contract.ts';

export const e164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'A number in E.164 form, like +14155550100.');
export const sid = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));

/** A webhook's form fields, the first value of a repeated name. */
export function fieldsOf(request: WebhookRequest): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.form())) fields[name] = Array.isArray(value) ? value[0]! : value;
  return fields;
}

/** A Twilio webhook's form body checked against a schema (400 with the issues when it does not fit). */
export function parse<S extends z.ZodType>(schema: S, request: WebhookRequest, kind = 'message'): z.output<S> {
  if (!request.contentType.startsWith('application/x-www-form-urlencoded'))
    throw new ValidationError('Twilio webhooks are form-encoded.');
  const parsed = schema.safeParse(fieldsOf(request));
  if (!parsed.success) throw new ValidationError(`This is not a Twilio ${kind} webhook.`, parsed.error.issues);
  return parsed.data;
}
