/**
 * The one secret scrubber (DESIGN §2): the outbound client runs every URL, header, body
 * and error message it reports through it, and the logger runs every line it writes
 * through it, so a secret known to the hub never reaches a log, an error or a plugin.
 *
 * It knows two kinds of secret: values someone registered (credentials, configured keys),
 * in each encoding they travel in, and shapes that are secret whatever their value
 * (Authorization headers, userinfo in URLs, query parameters named like keys or tokens).
 */
export interface Scrubber {
  /** Remembers secret values for every later scrub (the oldest are forgotten past a bound). */
  add(...values: readonly (string | undefined | null)[]): void;
  /** Text with every known secret, and every secret-shaped part, replaced by [redacted]. */
  scrub(text: string, extra?: readonly string[]): string;
  /**
   * Known secret values only, no shapes: for data handed on (a plugin's response), where
   * a signed URL's `sig=` must survive but a credential must not.
   */
  values(text: string, extra?: readonly string[]): string;
  /** Header values scrubbed; headers that carry credentials by name are redacted whole. */
  headers(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    extra?: readonly string[],
  ): Record<string, string>;
  /** The same error, its message and stack scrubbed. */
  error<E>(error: E, extra?: readonly string[]): E;
}

export const redacted = '[redacted]';

/** Shorter values would redact ordinary words; credentials are all longer. */
const minSecretLength = 6;

const sensitiveHeader =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|ocp-apim-subscription-key)$|token|secret|password|signature/i;
const authScheme = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/g;
const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"'<>]+(?::[^\s/@"'<>]*)?@/gi;
// Names that hold a secret anywhere in them, and short ones that do only alone (OAuth's
// `code`, SAS `sig`), so `error_code=20003` stays readable.
const secretParam =
  /([?&;](?:[a-z0-9_.-]*(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|apikey|signature|credential|session)[a-z0-9_.-]*|key|sig|code|auth)=)[^&#\s"'<>\\]+/gi;

/** Every form a secret value travels in: raw, base64(url), URL-encoded, JSON-escaped. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    value,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
  return [...new Set(forms)].filter((form) => form.length >= minSecretLength);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function patternOf(values: Iterable<string>): RegExp | undefined {
  const forms = [...new Set([...values].flatMap(encodings))].sort((a, b) => b.length - a.length);
  return forms.length === 0 ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
}

export function createScrubber(options: { maxSecrets?: number } = {}): Scrubber {
  const maxSecrets = options.maxSecrets ?? 2_000;
  const known = new Set<string>();
  // Rebuilt lazily after add(): one pass over the text whatever the number of secrets.
  let pattern: RegExp | undefined;
  let stale = false;

  function values(text: string, extra: readonly string[] = []): string {
    if (stale) {
      pattern = patternOf(known);
      stale = false;
    }
    let out = text;
    const extraPattern = patternOf(extra.filter((v) => v.length >= minSecretLength));
    if (extraPattern) out = out.replace(extraPattern, redacted);
    if (pattern) out = out.replace(pattern, redacted);
    return out;
  }

  function scrub(text: string, extra: readonly string[] = []): string {
    return values(text, extra)
      .replace(authScheme, `$1 ${redacted}`)
      .replace(userinfo, `$1${redacted}@`)
      .replace(secretParam, `$1${redacted}`);
  }

  return {
    add(...values) {
      for (const value of values) {
        if (typeof value !== 'string' || value.length < minSecretLength || known.has(value)) continue;
        known.add(value);
        stale = true;
      }
      // A Set iterates in insertion order: the oldest go first.
      for (const old of known) {
        if (known.size <= maxSecrets) break;
        known.delete(old);
      }
    },
    scrub,
    values,
    headers(headers, extra) {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (value === undefined) continue;
        const text = Array.isArray(value) ? value.join(', ') : value;
        out[name] = sensitiveHeader.test(name) ? redacted : scrub(text, extra);
      }
      return out;
    },
    error(error, extra) {
      if (error instanceof Error) {
        error.message = scrub(error.message, extra);
        if (error.stack) error.stack = scrub(error.stack, extra);
      }
      return error;
    },
  };
}
