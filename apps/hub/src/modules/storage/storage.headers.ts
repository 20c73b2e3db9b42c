import { ValidationError } from '../../platform/errors.ts';

/**
 * Upload headers and form fields that are stored and later sent back. A control character
 * stored in cache_control makes every download of the object fail (Node refuses to send
 * the header); NUL and unpaired surrogates cannot be stored in PostgreSQL text or jsonb.
 * Each is refused with a 400 that names the field, before anything is stored.
 */

// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f]/;
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Refuses control characters (NUL included) and unpaired surrogates in any stored text. */
export function refuseControlCharacters(field: string, value: string): string {
  const control = controlCharacter.exec(value);
  if (control)
    throw new ValidationError(`${field} contains a control character (${codePoint(control[0])}): remove it.`);
  if (unpairedSurrogate.test(value))
    throw new ValidationError(`${field} is not valid Unicode (an unpaired surrogate): send UTF-8 text.`);
  return value;
}

/** A value that is sent back as an HTTP response header: printable ASCII only. */
export function headerValue(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  refuseControlCharacters(field, value);
  if (!/^[\x20-\x7e]*$/.test(value))
    throw new ValidationError(`${field} must be plain ASCII text: it is sent back as an HTTP header.`);
  return value;
}

/** supabase-js sends `cacheControl: '3600'` as "max-age=3600" (header) or "3600" (form field). */
export function cacheControlFrom(field: string, value: string | undefined): string | undefined {
  if (!headerValue(field, value)) return undefined;
  const seconds = /^(?:max-age=)?(\d{1,10})$/.exec(value!.trim());
  if (seconds) return `max-age=${seconds[1]}`;
  if (value!.length > 200) throw new ValidationError(`${field} is longer than 200 characters.`);
  return value;
}

/** x-upsert is "true" or anything else (false), as in Supabase; still never a control character. */
export function upsertFrom(value: string | string[] | undefined, byDefault: boolean): boolean {
  if (value === undefined) return byDefault;
  if (Array.isArray(value)) throw new ValidationError('x-upsert is sent more than once: send it once.');
  return refuseControlCharacters('x-upsert', value) === 'true';
}

function checkJson(field: string, value: unknown, path: string): void {
  if (typeof value === 'string') refuseControlCharacters(path ? `${field} (at ${path})` : field, value);
  else if (Array.isArray(value)) value.forEach((item, i) => checkJson(field, item, `${path}[${i}]`));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      refuseControlCharacters(`${field} (a key${path ? ` in ${path}` : ''})`, key);
      checkJson(field, item, path ? `${path}.${key}` : key);
    }
  }
}

/** User metadata: x-metadata (base64 of the JSON) or the multipart `metadata` field (JSON). */
export function parseMetadata(field: string, raw: string | undefined, base64: boolean): Record<string, unknown> | null {
  if (!raw) return null;
  refuseControlCharacters(field, raw);
  let value: unknown;
  try {
    value = JSON.parse(base64 ? Buffer.from(raw, 'base64').toString('utf8') : raw) as unknown;
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ValidationError(`${field} must be a JSON object${base64 ? ', base64-encoded' : ''}.`);
  if (JSON.stringify(value).length > 8192) throw new ValidationError(`${field} is larger than 8 KiB.`);
  checkJson(field, value, '');
  return value as Record<string, unknown>;
}

/** A stored header value written before these checks is replaced, not sent (Node would throw). */
export function sendableHeader(value: string | null): string | undefined {
  return value !== null && /^[\x20-\x7e]*$/.test(value) ? value : undefined;
}
