import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsRequired } from '@made-open/hub/test/databases.ts';
import { createTestHub, type TestHub } from '@made-open/hub/test/hub.ts';
import { signUpUser, type SignedUpUser } from '@made-open/hub/test/users.ts';
import { focusedWindow } from '../src/x11.ts';
import { agentCommand, newPairingCode, startAgent, storedEvents, waitUntil } from './support/agent.ts';
import { ensureXTools, startXDisplay, xvfbPresent, type XDisplay } from './support/x11.ts';

const kind = postgresTestsRequired() ? 'postgres' : 'pglite';
// Under CI=true these tests always run (a missing Xvfb fails them); elsewhere only without Xvfb are they skipped.
const runX = xvfbPresent() || process.env.CI === 'true';
if (!runX) {
  console.warn(
    'Skipping the X11 agent tests: no Xvfb binary here (apt-get install -y xvfb openbox). Under CI=true they run.',
  );
}

/**
 * The agent's own sampling on a real X server: Xvfb with openbox, real windows (xmessage),
 * the agent process reading them with xprop and xprintidle, and a real hub storing what it sends.
 */
describe.skipIf(!runX)(`the agent on an X11 display (hub on ${kind})`, () => {
  let x: XDisplay;
  let hub: TestHub;
  let alice: SignedUpUser;
  let deviceId: string;
  let hubUrl: string;
  const dir = join(mkdtempSync(join(tmpdir(), 'made-open-agent-x-')), 'state');
  const tag = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    ensureXTools();
    x = await startXDisplay();
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { pairPerMinute: 1000 } });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    hubUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    alice = await signUpUser(hub);
    const { device, pairing } = await newPairingCode(hub, alice, 'X11 desktop');
    const paired = await agentCommand(dir, ['pair', pairing.code, '--hub', hubUrl]);
    expect(paired.code, paired.output).toBe(0);
    deviceId = device.id;
  }, 300_000);
  afterAll(async () => {
    x?.close();
    await hub?.close();
  });

  const focusOn = (title: string) =>
    waitUntil(
      `focus on "${title}"`,
      async () => (await focusedWindow({ ...process.env, DISPLAY: x.display }))?.title === title,
    );
  const activeApps = async () =>
    (await storedEvents(hub, alice, deviceId, 'active_app')).map(
      (e) => e.data as { app: string; title?: string; durationSeconds: number },
    );

  it('reports the focused window (app and title) as it changes, with private titles held back', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ excludeTitlePatterns: ['secret'] }));
    const alpha = `Alpha report ${tag}`;
    const hidden = `Top secret plan ${tag}`;
    const beta = `Beta notes ${tag}`;
    x.openWindow(alpha, 'alphawin');
    await focusOn(alpha);

    const agent = startAgent(
      dir,
      ['run', '--sample-seconds', '0.2', '--upload-seconds', '0.3', '--idle-seconds', '3600', '--status-port', '0'],
      { DISPLAY: x.display },
    );
    const statusUrl = await waitUntil('the agent sampling', () => /"statusPage":"([^"]+)"/.exec(agent.output())?.[1]);
    await new Promise((r) => setTimeout(r, 1_000));
    x.openWindow(hidden, 'secretwin');
    await focusOn(hidden);
    await new Promise((r) => setTimeout(r, 1_000));
    x.openWindow(beta, 'betawin');
    await focusOn(beta);
    // The agent itself has seen beta focused (its status page), so stopping closes beta's span.
    await waitUntil('the agent to see beta focused', async () => {
      const status = (await (await fetch(`${statusUrl}status`)).json()) as { focusedWindow?: { title?: string } };
      return status.focusedWindow?.title === beta;
    });

    const seen = await waitUntil('alpha and the hidden window on the hub', async () => {
      const apps = await activeApps();
      return apps.some((a) => a.title === alpha) && apps.length >= 2 && apps;
    });
    const first = seen.find((a) => a.title === alpha)!;
    // xmessage's WM_CLASS class is "Xmessage"; its title is only in WM_NAME (no _NET_WM_NAME).
    expect(first.app).toBe('Xmessage');
    expect(first.durationSeconds).toBeGreaterThanOrEqual(0.8);
    expect(seen[1]).toEqual({ app: 'Xmessage', durationSeconds: expect.any(Number) });

    // Stopping closes the open span (beta) and sends it.
    expect(await agent.stop()).toBe(0);
    const all = await activeApps();
    expect(all.map((a) => a.title)).toEqual([alpha, undefined, beta]);
    expect(JSON.stringify(all)).not.toContain('secret');
    const idle = await storedEvents(hub, alice, deviceId, 'idle');
    expect(idle[0]?.data).toMatchObject({ idle: false });
  });

  it('reports going idle when no input comes, and coming back on input', async () => {
    // Nothing has touched this Xvfb's keyboard or pointer: with a 1 s threshold the user is idle.
    const agent = startAgent(
      dir,
      ['run', '--sample-seconds', '0.2', '--upload-seconds', '0.3', '--idle-seconds', '1', '--status-port', 'off'],
      { DISPLAY: x.display },
    );
    const idleEvents = async () => (await storedEvents(hub, alice, deviceId, 'idle')).map((e) => e.data);
    await waitUntil('idle: true on the hub', async () => (await idleEvents()).some((d) => d.idle === true));
    const moved = spawnSync('xdotool', ['mousemove', '200', '200'], { env: { ...process.env, DISPLAY: x.display } });
    expect(moved.status, String(moved.stderr)).toBe(0);
    const events = await waitUntil('idle: false after input', async () => {
      const all = await idleEvents();
      const wentIdle = all.findIndex((d) => d.idle === true);
      return wentIdle >= 0 && all.slice(wentIdle + 1).some((d) => d.idle === false) && all;
    });
    await agent.stop();
    const wentIdle = events.find((d) => d.idle === true)!;
    expect(wentIdle.seconds as number).toBeGreaterThanOrEqual(1);
  });
});
