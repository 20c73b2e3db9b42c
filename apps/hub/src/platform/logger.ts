import { pino, type Logger, type DestinationStream } from 'pino';

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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'made-open-hub' },
    },
    destination,
  );
}
