import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsRequired } from '@made-open/hub/test/databases.ts';
import { createTestHub, type TestHub } from '@made-open/hub/test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '@made-open/hub/test/users.ts';
import { startActivityWatchStandIn, type ActivityWatchStandIn } from './support/activitywatch-stand-in.ts';
import {
  agentCommand,
  newPairingCode,
  startAgent,
  startLink,
  storedEvents,
  waitUntil,
  type Link,
} from './support/agent.ts';

// A real hub on PostgreSQL when the suite requires it (CI), else on PGlite.
const kind = postgresTestsRequired() ? 'postgres' : 'pglite';

/**
 * The agent as a user runs it (the CLI in its own process) against a real listening hub:
 * pairing, the 0600 token file, uploads, the on-disk queue across an outage and a restart,
 * revocation, and the token never printed. Events come from ActivityWatch here: the
 * ActivityWatch server is a stand-in (test/support/activitywatch-stand-in.ts) selected by
 * its base URL; the X11 sampling is exercised in x11.test.ts.
 */
describe(`made-open-agent against a hub on ${kind}`, () => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let link: Link;
  let aw: ActivityWatchStandIn;
  const everything: string[] = [];
  const dir = join(mkdtempSync(join(tmpdir(), 'made-open-agent-')), 'state');

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { pairPerMinute: 1000 } });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    link = await startLink((hub.app.server.address() as AddressInfo).port);
    alice = await signUpUser(hub);
    aw = await startActivityWatchStandIn();
  }, 180_000);
  afterAll(async () => {
    await link?.close();
    await aw?.close();
    await hub?.close();
  });

  let deviceId: string;
  let token: string;

  it('pairs with a one-time code and keeps the token in a 0600 file in a 0700 folder', async () => {
    const { device, pairing } = await newPairingCode(hub, alice);
    const wrong = await agentCommand(dir, ['pair', 'ZZZZ-ZZZZ', '--hub', link.url]);
    everything.push(wrong.output);
    expect(wrong.code).toBe(2);
    expect(wrong.output).toContain('unknown, used or expired');

    const paired = await agentCommand(dir, ['pair', pairing.code.toLowerCase(), '--hub', link.url]);
    everything.push(paired.output);
    expect(paired.code, paired.output).toBe(0);
    expect(paired.output).toContain(device.id);
    const file = join(dir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ deviceId: device.id, hubUrl: link.url });
    expect(saved.token).toMatch(/^mo_dev_/);
    deviceId = device.id;
    token = saved.token;

    const whoami = await agentCommand(dir, ['whoami']);
    everything.push(whoami.output);
    expect(JSON.parse(whoami.output)).toMatchObject({ deviceId, hubUrl: link.url });
  });

  it('refuses to run with a token file others can read', async () => {
    const file = join(dir, 'credentials.json');
    chmodSync(file, 0o644);
    const refused = await agentCommand(dir, ['run', '--no-windows', '--status-port', 'off']);
    chmodSync(file, 0o600);
    everything.push(refused.output);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('can be read by other users');
  });

  it('queues on disk while the hub is unreachable, keeps the queue across a restart, then uploads it once', async () => {
    const minute = 60_000;
    const start = Date.now() - 30 * minute;
    aw.buckets.set('aw-watcher-window_test-host', {
      type: 'currentwindow',
      events: [
        {
          id: 1,
          timestamp: new Date(start).toISOString(),
          duration: 60,
          data: { app: 'Firefox', title: 'Made Open docs' },
        },
        {
          id: 2,
          timestamp: new Date(start + minute).toISOString(),
          duration: 120.5,
          data: { app: 'Code', title: 'agent.ts' },
        },
        // Still growing by heartbeats (ends now): not relayed until it settles.
        {
          id: 3,
          timestamp: new Date(Date.now() - minute).toISOString(),
          duration: 60,
          data: { app: 'Slack', title: 'general' },
        },
      ],
    });
    aw.buckets.set('aw-watcher-afk_test-host', {
      type: 'afkstatus',
      events: [{ id: 7, timestamp: new Date(start).toISOString(), duration: 600, data: { status: 'afk' } }],
    });
    aw.buckets.set('aw-watcher-web-firefox', { type: 'web.tab.current', events: [] });

    await link.down();
    const args = ['run', '--no-windows', '--activitywatch', aw.url, '--activitywatch-seconds', '0.2'];
    const fast = ['--upload-seconds', '0.2', '--retry-seconds', '0.2', '--status-port', '0'];
    const offline = startAgent(dir, [...args, ...fast]);
    const queueFile = join(dir, 'queue.jsonl');
    await waitUntil('three events queued', () => existsSync(queueFile) && queueLines(queueFile) === 3);
    await waitUntil('a failed upload', () => offline.output().includes('upload failed, will retry'));
    expect(await offline.stop()).toBe(0);
    everything.push(offline.output());
    expect(queueLines(queueFile)).toBe(3);
    expect(await storedEvents(hub, alice, deviceId)).toEqual([]);

    // Back online, a new process: the queue from disk goes up, ActivityWatch is not read twice.
    await link.up();
    const online = startAgent(dir, [...args, ...fast]);
    const stored = await waitUntil('the queued events on the hub', async () => {
      const events = await storedEvents(hub, alice, deviceId);
      return events.length >= 3 && events;
    });
    await waitUntil('the queue emptied', () => queueLines(queueFile) === 0);
    expect(await online.stop()).toBe(0);
    everything.push(online.output());
    const apps = stored.filter((e) => e.type === 'active_app').map((e) => e.data);
    expect(apps).toEqual([
      { app: 'Firefox', title: 'Made Open docs', durationSeconds: 60 },
      { app: 'Code', title: 'agent.ts', durationSeconds: 120.5 },
    ]);
    expect(stored.find((e) => e.type === 'idle')?.data).toEqual({ idle: true, seconds: 600 });
    expect(Date.parse(stored.find((e) => e.type === 'active_app')!.deviceTime)).toBe(start);
    expect(await storedEvents(hub, alice, deviceId)).toHaveLength(3);
    // The restarted agent read the window bucket from its saved cursor (the end of the last relayed event).
    const windowReads = aw.requests.filter((r) => r.includes('aw-watcher-window_test-host/events'));
    const lastStart = new URL(windowReads.at(-1)!, aw.url).searchParams.get('start');
    expect(lastStart).toBe(new Date(start + minute + 120_500).toISOString());
  });

  it('shows its state on the local status page, without the token', async () => {
    const agent = startAgent(dir, ['run', '--no-windows', '--status-port', '0']);
    const url = await waitUntil('the status page', () => /"statusPage":"([^"]+)"/.exec(agent.output())?.[1]);
    const status = await (await fetch(`${url}status`)).json();
    const page = await (await fetch(url)).text();
    await agent.stop();
    everything.push(agent.output());
    expect(status).toMatchObject({
      deviceId,
      hub: link.url,
      queued: 0,
      focusedWindow: { unavailable: expect.any(String) },
    });
    expect(page).toContain('Made Open agent');
    expect(JSON.stringify(status) + page).not.toContain(token);
  });

  it('serves the ActivityWatch API watchers post to, merging heartbeats as aw-server does', async () => {
    const agent = startAgent(dir, [
      'run',
      '--no-windows',
      '--serve-activitywatch',
      '0',
      '--upload-seconds',
      '0.2',
      '--status-port',
      'off',
    ]);
    const base = await waitUntil(
      'the ActivityWatch API',
      () => /"activityWatchServer":"([^"]+)"/.exec(agent.output())?.[1],
    );
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await fetch(`${base}/api/0/info`)).status).toBe(200);
    const bucket = { client: 'aw-watcher-window', type: 'currentwindow', hostname: 'laptop' };
    expect((await post('/api/0/buckets/aw-watcher-window_laptop', bucket)).status).toBe(200);
    expect((await post('/api/0/buckets/aw-watcher-window_laptop', bucket)).status).toBe(304);
    expect(
      (await post('/api/0/buckets/aw-watcher-afk_laptop', { ...bucket, client: 'aw-watcher-afk', type: 'afkstatus' }))
        .status,
    ).toBe(200);
    const listed = (await (await fetch(`${base}/api/0/buckets/`)).json()) as Record<string, unknown>;
    expect(Object.keys(listed).sort()).toEqual(['aw-watcher-afk_laptop', 'aw-watcher-window_laptop']);

    const t0 = Date.now() - 60_000;
    const beat = (offsetS: number, data: object, bucketId = 'aw-watcher-window_laptop') =>
      post(`/api/0/buckets/${bucketId}/heartbeat?pulsetime=2`, {
        timestamp: new Date(t0 + offsetS * 1000).toISOString(),
        duration: 0,
        data,
      });
    const emacs = { app: 'Emacs', title: `notes.org ${Math.random()}` };
    for (const s of [0, 1, 2]) expect((await beat(s, emacs)).status).toBe(200);
    const merged = await (await beat(3, emacs)).json();
    expect(merged).toMatchObject({ timestamp: new Date(t0).toISOString(), duration: 3, data: emacs });
    expect((await beat(4, { app: 'Firefox', title: 'Inbox' })).status).toBe(200);
    expect((await beat(0, { status: 'not-afk' }, 'aw-watcher-afk_laptop')).status).toBe(200);
    expect(
      (await post('/api/0/buckets/nope/heartbeat?pulsetime=2', { timestamp: new Date().toISOString(), data: {} }))
        .status,
    ).toBe(404);
    expect((await post('/api/0/buckets/aw-watcher-window_laptop/heartbeat?pulsetime=2', { data: {} })).status).toBe(
      400,
    );

    // The Emacs event ended when Firefox took over: it goes up while the agent runs.
    await waitUntil('the merged event on the hub', async () =>
      (await storedEvents(hub, alice, deviceId, 'active_app')).some((e) => e.data.title === emacs.title),
    );
    // Stopping forwards the events still open (Firefox, not-afk).
    expect(await agent.stop()).toBe(0);
    everything.push(agent.output());
    const apps = (await storedEvents(hub, alice, deviceId, 'active_app')).map((e) => e.data);
    expect(apps).toContainEqual({ ...emacs, durationSeconds: 3 });
    expect(apps).toContainEqual({ app: 'Firefox', title: 'Inbox', durationSeconds: 0 });
    const idle = (await storedEvents(hub, alice, deviceId, 'idle')).map((e) => e.data);
    expect(idle).toContainEqual({ idle: false, seconds: 0 });
  });

  it('stops uploading once the device is revoked, and keeps what it could not send', async () => {
    const revoked = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/devices/${deviceId}/revoke`,
      headers: bearer(alice),
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    aw.buckets.get('aw-watcher-window_test-host')!.events.push({
      id: 9,
      timestamp: new Date(Date.now() - 10 * 60_000).toISOString(),
      duration: 30,
      data: { app: 'Terminal', title: 'after revoke' },
    });
    const agent = startAgent(dir, [
      'run',
      '--no-windows',
      '--activitywatch',
      aw.url,
      '--activitywatch-seconds',
      '0.2',
      '--upload-seconds',
      '0.2',
      '--status-port',
      'off',
    ]);
    await waitUntil('the refusal', () => agent.output().includes('upload refused: pair this device again'));
    await agent.stop();
    everything.push(agent.output());
    expect(queueLines(join(dir, 'queue.jsonl'))).toBeGreaterThan(0);
  });

  it('never printed the device token, in any run', () => {
    const all = everything.join('\n');
    expect(all).toContain('uploaded'); // the debug-level logs were captured
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.slice('mo_dev_'.length));
  });
});

function queueLines(file: string) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim()).length;
}
