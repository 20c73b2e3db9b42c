import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CredentialsError, loadCredentials } from './credentials.ts';
import { createLogger, isLogLevel } from './log.ts';
import { pair, PairingError } from './pair.ts';
import { runAgent } from './run.ts';

const usage = `made-open-agent: the Made Open desktop agent

  made-open-agent pair <code> --hub <url>   exchange a one-time code from the hub's Devices page
  made-open-agent run [options]             sample, relay and upload until stopped
  made-open-agent whoami                    the paired hub and device id (never the token)

run options:
  --sample-seconds <n>       how often to read the focused window and idle time (5)
  --upload-seconds <n>       how often to send the queue (30)
  --idle-seconds <n>         no input for this long counts as idle (180)
  --span-seconds <n>         longest active_app span before it is cut and sent (60)
  --no-windows               do not sample this display (e.g. when ActivityWatch's watchers run)
  --activitywatch <url>      relay a local ActivityWatch server (e.g. http://127.0.0.1:5600)
  --activitywatch-seconds <n>  how often to read it (60)
  --activitywatch-settle-seconds <n>  wait this long after an event's end before relaying it (120)
  --serve-activitywatch <port> be the ActivityWatch server aw-watcher-window/afk post to (5600 is theirs)
  --clipboard                capture copied text (off unless given, or "clipboard": true in config.json;
                             the hub stores it only for a device with clipboard turned on)
  --retry-seconds <n>        first retry delay after a failed upload, doubling up to 5 min (1)
  --status-port <n>          local status page on 127.0.0.1 (5610; 0 = any free port, off = none)

Folder: MADE_OPEN_AGENT_DIR, else $XDG_CONFIG_HOME/made-open-agent (~/.config/made-open-agent).
Log level: MADE_OPEN_AGENT_LOG_LEVEL (debug, info, warn, error).
`;

const dir =
  process.env.MADE_OPEN_AGENT_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'made-open-agent');
const level = process.env.MADE_OPEN_AGENT_LOG_LEVEL ?? 'info';
const log = createLogger(isLogLevel(level) ? level : 'info');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hub: { type: 'string' },
    'sample-seconds': { type: 'string', default: '5' },
    'upload-seconds': { type: 'string', default: '30' },
    'idle-seconds': { type: 'string', default: '180' },
    'span-seconds': { type: 'string', default: '60' },
    'no-windows': { type: 'boolean', default: false },
    activitywatch: { type: 'string' },
    'activitywatch-seconds': { type: 'string', default: '60' },
    'activitywatch-settle-seconds': { type: 'string', default: '120' },
    'serve-activitywatch': { type: 'string' },
    clipboard: { type: 'boolean', default: false },
    'retry-seconds': { type: 'string', default: '1' },
    'status-port': { type: 'string', default: '5610' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function seconds(name: keyof typeof values): number {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) fail(`--${name} must be a number of seconds`);
  return value * 1000;
}

function port(name: 'serve-activitywatch'): number | null {
  if (values[name] === undefined) return null;
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) fail(`--${name} must be a port number`);
  return value;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const [command, ...rest] = positionals;
try {
  if (values.help || !command) {
    process.stdout.write(usage);
  } else if (command === 'pair') {
    if (rest.length !== 1 || !values.hub) fail('usage: made-open-agent pair <code> --hub <url>');
    const credentials = await pair(dir, values.hub, rest[0]!);
    process.stdout.write(`Paired with ${credentials.hubUrl} as device ${credentials.deviceId}.\n`);
  } else if (command === 'whoami') {
    const { hubUrl, deviceId, pairedAt } = loadCredentials(dir);
    process.stdout.write(`${JSON.stringify({ hubUrl, deviceId, pairedAt })}\n`);
  } else if (command === 'run') {
    const statusPort = Number(values['status-port']);
    await runAgent({
      dir,
      env: process.env,
      log,
      sampleMs: seconds('sample-seconds'),
      uploadMs: seconds('upload-seconds'),
      idleThresholdMs: seconds('idle-seconds'),
      maxSpanMs: seconds('span-seconds'),
      windows: !values['no-windows'],
      activityWatchUrl: values.activitywatch ?? null,
      activityWatchPollMs: seconds('activitywatch-seconds'),
      activityWatchSettleMs: seconds('activitywatch-settle-seconds'),
      serveActivityWatchPort: port('serve-activitywatch'),
      statusPort: Number.isInteger(statusPort) && statusPort >= 0 ? statusPort : null,
      minBackoffMs: seconds('retry-seconds'),
      clipboard: values.clipboard,
    });
  } else {
    fail(`unknown command ${command}\n\n${usage}`);
  }
} catch (error) {
  if (error instanceof PairingError || error instanceof CredentialsError) fail(error.message);
  throw error;
}
