import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors.ts';

const jsonContentType = /^application\/(?:[\w.+-]+\+)?json\b/i;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnstorableText {
  /** JSON pointer to the string or key, with any NUL in it spelled \u0000. */
  at: string;
  problem: 'nul' | 'lone_surrogate';
}

function problemOf(text: string): UnstorableText['problem'] | null {
  if (text.includes('\u0000')) return 'nul';
  return loneSurrogate.test(text) ? 'lone_surrogate' : null;
}

const pointerPart = (key: string) =>
  key.replaceAll('~', '~0').replaceAll('/', '~1').replaceAll('\u0000', '\\u0000').replace(loneSurrogate, '\\ud800');

/**
 * The first string or key in a parsed JSON value that PostgreSQL cannot store as sent: one
 * with a NUL (U+0000) or an unpaired UTF-16 surrogate. Iterative, so a deeply nested body
 * cannot overflow the stack here.
 */
export function findUnstorableText(value: unknown): UnstorableText | null {
  const pending: [unknown, string][] = [[value, '']];
  while (pending.length > 0) {
    const [current, at] = pending.pop()!;
    if (typeof current === 'string') {
      const problem = problemOf(current);
      if (problem) return { at: at || '/', problem };
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, `${at}/${index}`]));
    } else if (current !== null && typeof current === 'object' && !Buffer.isBuffer(current)) {
      for (const [key, item] of Object.entries(current)) {
        const here = `${at}/${pointerPart(key)}`;
        const problem = problemOf(key);
        if (problem) return { at: here, problem };
        pending.push([item, here]);
      }
    }
  }
  return null;
}

const described: Record<UnstorableText['problem'], { found: string; rule: string }> = {
  nul: { found: 'a NUL character (\\u0000)', rule: 'Text cannot contain NUL characters.' },
  lone_surrogate: {
    found: 'an unpaired UTF-16 surrogate (like \\ud800)',
    rule: 'Text must be valid Unicode: no unpaired surrogates.',
  },
};

/**
 * PostgreSQL stores no NUL in text or jsonb, and no unpaired surrogate in jsonb (text gets
 * U+FFFD instead of what was sent). Such a string in a JSON body could only fail later, as a
 * 500 (jsonb's "unsupported Unicode escape sequence") or a 400 that names no field, or be
 * stored changed. One check for every JSON body refuses it first, naming the field. Other
 * bodies (uploads, XML, vCard) are the owning module's to judge.
 */
export function registerUnstorableTextCheck(app: FastifyInstance) {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (request.body === undefined || !jsonContentType.test(request.headers['content-type'] ?? '')) return;
    const found = findUnstorableText(request.body);
    if (found) {
      const { found: what, rule } = described[found.problem];
      throw new ValidationError(
        `The request body has ${what} at ${found.at}. ${rule} Remove it and send the request again.`,
        [{ path: found.at, message: rule }],
      );
    }
  });
}
