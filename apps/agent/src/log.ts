/**
 * JSON lines on stderr. Every line is scrubbed of the secrets registered here (the device
 * token), so a token that slips into an error message or a URL still never reaches a log.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** Never print this string again, in any line. */
  addSecret(secret: string): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)) {
  const secrets: string[] = [];
  const emit = (at: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (order[at] < order[level]) return;
    let line = JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...fields });
    for (const secret of secrets) line = line.split(secret).join('[redacted]');
    write(`${line}\n`);
  };
  const logger: Logger = {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    addSecret: (secret) => {
      if (secret.length >= 8) secrets.push(secret);
    },
  };
  return logger;
}

export const isLogLevel = (value: string): value is LogLevel => value in order;
