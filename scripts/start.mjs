#!/usr/bin/env node
// Starts the hub on its embedded defaults (PGlite under ./.made-open) and, when the web
// app is present, the web app beside it; prints the URL to open, last. Ctrl-C stops both.
// Logs are shown as readable lines (LOG_FORMAT=json keeps the hub's JSON); requests are
// logged at debug only (LOG_LEVEL=debug shows them). The web app is rebuilt when its
// sources changed since the last build.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildNeeded } from './lib/web-build.mjs';

const root = resolve(import.meta.dirname, '..');
const hubPort = process.env.PORT ?? '4000';
const webPort = process.env.WEB_PORT ?? '3000';
const dataDir = resolve(root, process.env.DATA_DIR ?? '.made-open');
const hubUrl = `http://127.0.0.1:${hubPort}`;
const children = [];

/** pino's JSON lines as "12:03:04 INFO (graph): message", from the hub's own pino-pretty. */
function prettyHubLogs() {
  if (process.env.LOG_FORMAT === 'json') return null;
  try {
    const pretty = createRequire(join(root, 'apps/hub/package.json'))('pino-pretty');
    const stream = pretty({
      colorize: process.stdout.isTTY,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,service,reqId',
      messageFormat: '{if module}({module}) {end}{msg}',
      hideObject: false,
      singleLine: true,
    });
    // It writes to stdout itself: piping it as well would print every line twice.
    return stream;
  } catch {
    return null; // not installed (a production install without dev tools): JSON it is
  }
}

/** Another program's lines, each prefixed with its name. */
function prefixed(name, readable) {
  createInterface({ input: readable }).on('line', (line) => {
    if (line.trim()) process.stdout.write(`${name} | ${line}\n`);
  });
}

function run(name, command, args, options, output = 'inherit') {
  const child = spawn(command, args, {
    stdio: ['ignore', output === 'inherit' ? 'inherit' : 'pipe', 'inherit'],
    ...options,
  });
  if (output !== 'inherit') output(child.stdout);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n${name} stopped (${signal ?? `exit code ${code}`}); stopping the rest.`);
      stop(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 2_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitFor(url, what, timeoutMs = 180_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not come up at ${url} within ${timeoutMs / 1000} s`);
}

console.log(`Starting the Made Open hub (data in ${dataDir}) ...`);
const hubLogs = prettyHubLogs();
run(
  'hub',
  join(root, 'apps/hub/node_modules/.bin/tsx'),
  ['src/main.ts'],
  {
    cwd: join(root, 'apps/hub'),
    // The web app below calls the hub from this machine on each browser's behalf and says which
    // browser (X-Forwarded-For): believed from loopback only, so each browser has its own
    // sign-in limit rather than sharing the web server's.
    env: { ...process.env, PORT: hubPort, DATA_DIR: dataDir, TRUST_PROXY: process.env.TRUST_PROXY ?? 'loopback' },
  },
  hubLogs ? (stdout) => stdout.pipe(hubLogs) : 'inherit',
);
await waitFor(`${hubUrl}/health`, 'The hub');

const webDir = join(root, 'apps/web');
let openUrl = `${hubUrl}/docs`;
if (existsSync(join(webDir, 'package.json'))) {
  const anonKey = readFileSync(join(dataDir, 'anon-key'), 'utf8').trim();
  const webEnv = {
    ...process.env,
    PORT: webPort,
    NEXT_TELEMETRY_DISABLED: '1',
    NEXT_PUBLIC_SUPABASE_URL: hubUrl,
    NEXT_PUBLIC_SUPABASE_ANON_KEY: anonKey,
    SUPABASE_URL: hubUrl,
    SUPABASE_ANON_KEY: anonKey,
    // It listens on 127.0.0.1: from elsewhere, browsers reach it through one proxy on this
    // machine, which appends their address (or they are on this machine: Next.js puts theirs).
    WEB_TRUST_PROXY: process.env.WEB_TRUST_PROXY ?? '1',
  };
  const next = join(webDir, 'node_modules/.bin/next');
  const why = buildNeeded(root);
  if (why) {
    console.log(`Building the web app (${why}; about a minute on two cores) ...`);
    await new Promise((done, fail) => {
      const build = spawn(next, ['build'], { cwd: webDir, env: webEnv, stdio: 'inherit' });
      build.on('exit', (code) => (code === 0 ? done() : fail(new Error(`next build failed with exit code ${code}`))));
    });
  }
  run('web', next, ['start', '-p', webPort, '-H', '127.0.0.1'], { cwd: webDir, env: webEnv }, (stdout) =>
    prefixed('web', stdout),
  );
  openUrl = `http://127.0.0.1:${webPort}`;
  await waitFor(openUrl, 'The web app');
}

console.log(
  `\nMade Open is running.\n\n  Open ${openUrl}\n\n  Hub API  ${hubUrl}/api/v1   (OpenAPI docs at ${hubUrl}/docs)\n  Stop with Ctrl-C.\n`,
);
