/**
 * Public credential fields (a provider's fields marked `public`) are shown masked and copied to plugins in clear,
 * so they must never hold a secret. A URL can smuggle one in its userinfo
 * (https://admin:pass@host), a query parameter (?token=…) or its fragment (#access_token=…),
 * also percent-encoded; these checks find them in any public value, URL or not.
 */
import { publicFieldsOf, type ProviderDefinition } from '@made-open/shared/providers';
import { ValidationError } from '../../platform/errors.ts';

export type SecretPlace = 'userinfo' | 'query' | 'fragment';

/** Parameter names that carry credentials, compared lower-cased without "-", "_" or ".". */
const secretNameParts =
  /token|secret|passw|pwd|apikey|accesskey|privatekey|auth|signature|credential|session|jwt|bearer|cookie/;
const secretNames = new Set(['key', 'pass', 'code', 'sig', 'pw', 'pin', 'otp', 'hmac', 'hash', 'nonce', 'sid']);

export function isSecretName(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return secretNames.has(n) || secretNameParts.test(n) || n.endsWith('key') || n.endsWith('sig');
}

/** The value and its percent-decodings (double encoding included), until nothing changes. */
function decodings(value: string): string[] {
  const out = [value];
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(out[out.length - 1]!);
    } catch {
      break;
    }
    if (next === out[out.length - 1]) break;
    out.push(next);
  }
  return out;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** `name=` pairs after "?", "&", ";", "#" or "/" anywhere in the text, URL or not. */
const inlinePair = /(?:^|[?&;#/])\s*([^=?&;#/\s]+)\s*=/g;
/** "user@" or "user:pass@" right after "//" or a scheme. */
const inlineUserinfo = /(?:\/\/|^[a-z][a-z0-9+.-]*:)[^/?#@\s]*@/i;

/** Where `value` carries a secret, or undefined when it carries none. */
export function findSecret(value: string): SecretPlace | undefined {
  // URL parsers drop tabs and newlines, so "to\tken" is "token" to whoever reads the URL.
  for (const text of decodings(value.replace(/[\t\n\r]/g, ''))) {
    const url = parseUrl(text);
    if (url) {
      if (url.username !== '' || url.password !== '') return 'userinfo';
      // A base URL needs no fragment; OAuth puts access tokens there.
      if (url.hash !== '' || text.includes('#')) return 'fragment';
      for (const name of url.searchParams.keys()) if (decodings(name).some(isSecretName)) return 'query';
    }
    if (inlineUserinfo.test(text)) return 'userinfo';
    const hash = text.indexOf('#');
    for (const match of text.matchAll(inlinePair)) {
      if (isSecretName(match[1]!)) return hash >= 0 && hash <= match.index ? 'fragment' : 'query';
    }
  }
  return undefined;
}

/**
 * A stored value with its secrets removed, for rows written before these checks: the URL
 * without userinfo, fragment and secret-looking parameters, or '' when that is not enough.
 */
export function withoutSecrets(value: string): string {
  if (findSecret(value) === undefined) return value;
  const url = parseUrl(value.replace(/[\t\n\r]/g, ''));
  if (!url) return '';
  url.username = '';
  url.password = '';
  url.hash = '';
  for (const name of [...url.searchParams.keys()])
    if (decodings(name).some(isSecretName)) url.searchParams.delete(name);
  const cleaned = url.toString();
  return findSecret(cleaned) === undefined ? cleaned : '';
}

const placeText: Record<SecretPlace, string> = {
  userinfo: 'a user name or password before "@"',
  query: 'a query parameter that looks like a secret (token, key, password, signature…)',
  fragment: 'a fragment after "#"',
};

/**
 * Refuses (400) a credential whose public fields would hand a secret to plugins, saying
 * where the provider's secret belongs instead (refused, not split: ollama has no secret field).
 */
export function assertNoSecretInPublicFields(provider: ProviderDefinition, secret: Record<string, unknown>): void {
  for (const field of publicFieldsOf(provider)) {
    const value = secret[field];
    if (typeof value !== 'string') continue;
    const place = findSecret(value);
    if (place === undefined) continue;
    // The value itself is never echoed: it holds the secret.
    throw new ValidationError(
      `secret.${field} is shown and given to plugins, so it must not carry a secret, but it has ${placeText[place]}. Remove it. ${provider.secretHome}`,
      { field: `secret.${field}`, place },
    );
  }
}

/**
 * The secret with its public fields cleaned (withoutSecrets), and which fields needed it:
 * rows stored before the check above must not hand their secrets out either.
 */
export function cleanPublicFields<S extends object>(
  provider: ProviderDefinition,
  secret: S,
): { secret: S; cleaned: string[] } {
  const copy = { ...secret } as Record<string, unknown>;
  const cleaned: string[] = [];
  for (const field of publicFieldsOf(provider)) {
    const value = copy[field];
    if (typeof value !== 'string') continue;
    const clean = withoutSecrets(value);
    if (clean !== value) {
      copy[field] = clean;
      cleaned.push(field);
    }
  }
  return { secret: copy as S, cleaned };
}
