import { pino, type Logger, type DestinationStream } from 'pino';
import type { Scrubber } from './http/outbound/scrubber.ts';

export type { Logger };

/**
 * Paths that may hold secrets anywhere in a log object. Redaction is the last line of
 * defence: code should not log secrets in the first place.
 */
export const redactedPaths = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'apiKey',
  '*.apiKey',
  'authToken',
  '*.authToken',
  'clientSecret',
  '*.clientSecret',
  'secret.*',
  '*.secret.*',
  'req.headers.authorization',
  'req.headers.apikey',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/**
 * With a scrubber, every line is scrubbed as it is written: secrets registered with it
 * (credentials in use, configured keys) are caught wherever they sit, which paths cannot do.
 */
export function createLogger(level: string, destination?: DestinationStream, scrubber?: Scrubber): Logger {
  return pino(
    {
      level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'made-open-hub' },
      // pino replaces its default hooks with whatever is given, undefined included.
      ...(scrubber ? { hooks: { streamWrite: (line: string) => scrubber.scrub(line) } } : {}),
    },
    destination,
  );
}
