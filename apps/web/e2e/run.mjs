#!/usr/bin/env node
// Self-contained end-to-end run: a real hub (fresh PGlite DATA_DIR in a temp dir) and the
// production build of the web app, each on a free port, then the Playwright suite with
// Debian's Chromium. Everything started here is stopped at the end.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildNeeded } from '../../../scripts/lib/web-build.mjs';

const web = resolve(import.meta.dirname, '..');
const hubDir = resolve(web, '../hub');
const children = [];

function freePort() {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });
}

function start(name, command, args, options) {
  // detached: its own process group, so stopping it also stops what it forked (next start
  // runs the server in a child process that outlives a killed parent).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  const log = [];
  const keep = (chunk) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
    if (process.env.E2E_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`\n${name} exited early (${signal ?? code}). Last output:\n${log.join('')}\n`);
  });
  children.push(child);
  return child;
}

async function waitFor(url, what, timeoutMs = 180_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

function run(command, args, options) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.on('exit', (code) =>
      code === 0
        ? done()
        : fail(Object.assign(new Error(`${command} ${args.join(' ')} exited with ${code}`), { code })),
    );
  });
}

let stopping = false;
function stopAll() {
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
process.on('SIGINT', () => (stopAll(), process.exit(130)));
process.on('SIGTERM', () => (stopAll(), process.exit(143)));

// The suite drives Debian's Chromium (never a downloaded browser). A fresh machine may not
// have it yet: install it where we can (root with apt), otherwise say exactly what to do.
const chromium = '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    process.stderr.write(
      `The browser tests need Debian's Chromium at ${chromium}. Install it with: sudo apt-get install -y chromium\n`,
    );
    process.exit(1);
  }
  process.stderr.write("Installing Debian's chromium for the browser tests (once) ...\n");
  await run('apt-get', ['update', '-qq'], {});
  await run('apt-get', ['install', '-y', '-qq', 'chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'made-open-web-e2e-'));
let exitCode = 1;
try {
  const [hubPort, webPort] = [await freePort(), await freePort()];
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const tokenPerMinute = '600';
  const webUrl = `http://127.0.0.1:${webPort}`;

  // The same rule as `pnpm start`: web sources, config and the shared package it bundles.
  const stale = buildNeeded(resolve(web, '../..')) !== null;
  const nextBin = join(web, 'node_modules/.bin/next');
  const baseEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const buildPromise = stale ? run(nextBin, ['build'], { cwd: web, env: baseEnv }) : Promise.resolve();

  // Test support: the Twilio REST stand-in (api.twilio.com is not reachable from here) in a
  // process of its own, selected by the hub's TWILIO_API_URL; its control server plays
  // Twilio's side of the webhooks (signed by the real twilio package) for messages.spec.ts.
  const twilioStandIn = await new Promise((done, fail) => {
    const child = start(
      'twilio stand-in',
      join(hubDir, 'node_modules/.bin/tsx'),
      ['src/modules/connectors/twilio/test/stand-in.server.ts'],
      { cwd: hubDir, env: process.env },
    );
    let out = '';
    const onData = (chunk) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        child.stdout.off('data', onData);
        try {
          done(JSON.parse(line));
        } catch (error) {
          fail(error);
        }
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', () => fail(new Error('The Twilio stand-in did not start.')));
  });

  // Test support: the Microsoft login + Graph STAND-IN (connectors/msgraph/test/stand-in),
  // a process of its own selected by MSGRAPH_LOGIN_URL / MSGRAPH_API_URL; its app
  // registration accepts the hub's callback; a small mailbox, signed in at once.
  const msgraphStandIn = await new Promise((done, fail) => {
    const child = start(
      'msgraph stand-in',
      join(hubDir, 'node_modules/.bin/tsx'),
      ['src/modules/connectors/msgraph/test/stand-in/main.ts'],
      {
        cwd: hubDir,
        env: {
          ...process.env,
          MSGRAPH_STANDIN_REDIRECT: `${hubUrl}/oauth/microsoft/callback`,
          MSGRAPH_STANDIN_SIZE: '40,8,6',
        },
      },
    );
    let out = '';
    const onData = (chunk) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        child.stdout.off('data', onData);
        try {
          done(JSON.parse(out.split('\n')[0]));
        } catch (error) {
          fail(error);
        }
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', () => fail(new Error('The Microsoft Graph stand-in did not start.')));
  });

  // Test support: the OpenRouter and Ollama stand-ins (packages/ai/test/stand-ins.server.ts),
  // selected by the hub's OPENROUTER_URL and OLLAMA_URL, for ai.spec.ts.
  const aiStandIns = await new Promise((done, fail) => {
    const child = start(
      'ai stand-ins',
      join(hubDir, 'node_modules/.bin/tsx'),
      [resolve(web, '../../packages/ai/test/stand-ins.server.ts')],
      { cwd: hubDir, env: process.env },
    );
    let out = '';
    const onData = (chunk) => {
      out += chunk.toString();
      if (!out.includes('\n')) return;
      child.stdout.off('data', onData);
      try {
        done(JSON.parse(out.split('\n')[0]));
      } catch (error) {
        fail(error);
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', () => fail(new Error('The AI stand-ins did not start.')));
  });

  start('hub', join(hubDir, 'node_modules/.bin/tsx'), ['src/main.ts'], {
    cwd: hubDir,
    env: {
      ...process.env,
      PORT: String(hubPort),
      HOST: '127.0.0.1',
      PUBLIC_URL: hubUrl,
      DATA_DIR: dataDir,
      TWILIO_API_URL: twilioStandIn.url,
      MSGRAPH_LOGIN_URL: msgraphStandIn.loginUrl,
      MSGRAPH_API_URL: msgraphStandIn.graphUrl,
      OPENROUTER_URL: aiStandIns.openrouter,
      OLLAMA_URL: aiStandIns.ollama,
      DATABASE_URL: '',
      NATS_URL: '',
      MEILI_URL: '',
      LOG_LEVEL: 'warn',
      // One browser makes every request from 127.0.0.1: lift the per-IP auth limits (sign-in's
      // stays within reach, for client-address.spec.ts).
      AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '10000',
      AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: tokenPerMinute,
      // As `pnpm start`: the web server beside it on this machine names each browser.
      TRUST_PROXY: 'loopback',
    },
  });
  await Promise.all([buildPromise, waitFor(`${hubUrl}/health`, 'The hub')]);
  const anonKey = readFileSync(join(dataDir, 'anon-key'), 'utf8').trim();

  start('web', nextBin, ['start', '-p', String(webPort), '-H', '127.0.0.1'], {
    cwd: web,
    env: { ...baseEnv, SUPABASE_URL: hubUrl, SUPABASE_ANON_KEY: anonKey, PORT: String(webPort), WEB_TRUST_PROXY: '1' },
  });
  await waitFor(`${webUrl}/sign-in`, 'The web app');

  // The hub's owner is its first account: made here, before any spec, so the specs that
  // need the owner (opening and closing sign-up) know who it is whatever order they run in.
  const owner = { email: `owner-${Date.now()}@example.org`, password: 'owner passphrase 1' };
  const signedUp = await fetch(`${hubUrl}/auth/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', apikey: anonKey },
    body: JSON.stringify(owner),
  });
  if (!signedUp.ok) throw new Error(`Could not create the hub owner: ${signedUp.status} ${await signedUp.text()}`);

  // The settings screens install the plugin SDK's examples: pack them (dist/ and a .tgz).
  const sdk = resolve(web, '../../packages/plugin-sdk');
  for (const example of ['birthday-reminder', 'contact-enricher']) {
    await run(join(sdk, 'node_modules/.bin/tsx'), ['src/cli.ts', 'pack', `examples/${example}`], { cwd: sdk });
  }

  await run(join(web, 'node_modules/.bin/playwright'), ['test', ...process.argv.slice(2)], {
    cwd: web,
    env: {
      ...process.env,
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
      E2E_BASE_URL: webUrl,
      E2E_HUB_URL: hubUrl,
      E2E_ANON_KEY: anonKey,
      E2E_TOKEN_PER_MINUTE: tokenPerMinute,
      // For tests that remove an account through the hub's admin API (a restore needs the old one gone).
      E2E_SERVICE_ROLE_KEY: readFileSync(join(dataDir, 'service-role-key'), 'utf8').trim(),
      E2E_OWNER_EMAIL: owner.email,
      E2E_OWNER_PASSWORD: owner.password,
      E2E_PLUGIN_EXAMPLES: join(sdk, 'examples'),
      E2E_TWILIO: JSON.stringify(twilioStandIn),
      E2E_MSGRAPH: JSON.stringify(msgraphStandIn),
      E2E_AI: JSON.stringify(aiStandIns),
    },
  });
  exitCode = 0;
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = typeof error?.code === 'number' ? error.code : 1;
} finally {
  stopAll();
  await new Promise((r) => setTimeout(r, 1500));
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(exitCode);
}
