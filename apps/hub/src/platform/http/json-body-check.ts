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

/** Far deeper than any body the hub's routes take; far below where JSON.stringify overflows the stack. */
export const maxJsonDepth = 64;

/** Whether `value` nests objects and arrays deeper than `limit`, counted without recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= limit) return true;
    for (const item of Object.values(current)) pending.push([item, depth + 1]);
  }
  return false;
}

/**
 * Two checks on every JSON body, before any route sees it, because each once hit a route
 * that had no reason to expect it:
 * - nesting: a body 5000 levels deep overflowed JSON.stringify's stack wherever a route stored
 *   or serialized user JSON (user_metadata, a rule's definition, a rule run's data): a 500;
 * - text PostgreSQL cannot store: no NUL in text or jsonb, no unpaired surrogate in jsonb (text
 *   gets U+FFFD instead of what was sent). Such a string failed later, as a 500 (jsonb's
 *   "unsupported Unicode escape sequence") or a 400 that named no field, or was stored changed.
 * Both answer 400 naming what to change. Other bodies (uploads, XML, vCard) are the owning
 * module's to judge.
 */
export function registerJsonBodyCheck(app: FastifyInstance) {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    if (request.body === undefined || !jsonContentType.test(request.headers['content-type'] ?? '')) return;
    if (nestsDeeperThan(request.body, maxJsonDepth)) {
      throw new ValidationError(
        `The request body nests deeper than ${maxJsonDepth} levels of objects and arrays: flatten it and send it again.`,
      );
    }
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
