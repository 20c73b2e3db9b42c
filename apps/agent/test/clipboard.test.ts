import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsRequired } from '@made-open/hub/test/databases.ts';
import { createTestHub, type TestHub } from '@made-open/hub/test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '@made-open/hub/test/users.ts';
import { focusedWindow } from '../src/x11.ts';
import { ownClipboard, xclipCopy } from './support/clipboard.ts';
import {
  agentCommand,
  newPairingCode,
  startAgent,
  storedEvents,
  waitUntil,
  type AgentProcess,
} from './support/agent.ts';
import { ensureXTools, startXDisplay, xvfbPresent, type XDisplay } from './support/x11.ts';

const kind = postgresTestsRequired() ? 'postgres' : 'pglite';
const runX = xvfbPresent() || process.env.CI === 'true';
if (!runX) console.warn('Skipping the clipboard tests: no Xvfb binary here (apt-get install -y xvfb openbox xclip).');

interface ClipboardStatus {
  capture: 'on' | 'off' | 'unavailable';
  unavailable?: string;
  lastCaptureAt: string | null;
  copies: number;
  sent: number;
  skipped: Record<string, number>;
  hub: string | null;
}

/**
 * Clipboard capture on a real X server: Xvfb + openbox, copies made with xclip (and, for several
 * targets at once, an X client of the test's own), the agent watching CLIPBOARD and reading it
 * with xclip, and a real hub storing what it sends.
 */
describe.skipIf(!runX)(`clipboard capture on an X11 display (hub on ${kind})`, () => {
  let x: XDisplay;
  let hub: TestHub;
  let alice: SignedUpUser;
  let deviceId: string;
  let agent: AgentProcess | undefined;
  let statusUrl: string;
  const dir = join(mkdtempSync(join(tmpdir(), 'made-open-agent-clip-')), 'state');
  const tag = Math.random().toString(36).slice(2, 8);
  const everything: string[] = [];

  beforeAll(async () => {
    ensureXTools();
    x = await startXDisplay();
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { pairPerMinute: 1000 } });
    await hub.app.listen({ port: 0, host: '127.0.0.1' });
    alice = await signUpUser(hub);
    const { device, pairing } = await newPairingCode(hub, alice, 'X11 desktop');
    const hubUrl = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`;
    const paired = await agentCommand(dir, ['pair', pairing.code, '--hub', hubUrl]);
    expect(paired.code, paired.output).toBe(0);
    deviceId = device.id;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ excludeTitlePatterns: ['vault'] }));
    x.openWindow(`Notes ${tag}`, 'notes');
    await focusOn(`Notes ${tag}`);
  }, 300_000);
  afterAll(async () => {
    if (agent) await agent.stop();
    x?.close();
    await hub?.close();
  });

  const focusOn = (title: string) =>
    waitUntil(
      `focus on "${title}"`,
      async () => (await focusedWindow({ ...process.env, DISPLAY: x.display }))?.title === title,
    );
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const started = startAgent(
      dir,
      [
        'run',
        '--sample-seconds',
        '0.2',
        '--upload-seconds',
        '0.3',
        '--idle-seconds',
        '3600',
        '--status-port',
        '0',
        ...args,
      ],
      { DISPLAY: x.display, ...env },
    );
    const url = await waitUntil('the status page', () => /"statusPage":"([^"]+)"/.exec(started.output())?.[1]);
    return { started, url };
  };
  const clipboardStatus = async (url = statusUrl) =>
    ((await (await fetch(`${url}status`)).json()) as { clipboard: ClipboardStatus }).clipboard;
  /** Copies, then waits until the agent has dealt with this copy (its count of copies went up). */
  const copy = async (make: () => unknown) => {
    const before = (await clipboardStatus()).copies;
    await make();
    return waitUntil('the agent to see the copy', async () => {
      const status = await clipboardStatus();
      return status.copies > before && status;
    });
  };
  const copyText = (text: string) => copy(() => xclipCopy(x.display, text));
  const storedTexts = async () =>
    (await storedEvents(hub, alice, deviceId, 'clipboard')).map((e) => (e.data as { text: string }).text);
  const waitStored = (text: string) =>
    waitUntil(`"${text.slice(0, 40)}" on the hub`, async () => {
      const texts = await storedTexts();
      return texts.includes(text) && texts;
    });

  it('is off unless turned on, says so at start, and sends copies once the hub allows them', async () => {
    // On, but the device was made without clipboard on the hub: the hub refuses, and the status page says what to do.
    const first = await run(['--clipboard']);
    agent = first.started;
    statusUrl = first.url;
    expect(first.started.output()).toContain('clipboard capture is on');
    expect(await clipboardStatus()).toMatchObject({ capture: 'on', copies: 0, lastCaptureAt: null });
    await copyText(`before opt-in ${tag}`);
    const refused = await waitUntil('the hub refusing clipboard', async () => (await clipboardStatus()).hub);
    expect(refused).toContain("turn clipboard on for this device on the hub's Devices page");
    everything.push(first.started.output());
    expect(await first.started.stop()).toBe(0);
    const patched = await hub.app.inject({
      method: 'PATCH',
      url: `/api/v1/devices/${deviceId}`,
      headers: bearer(alice),
      payload: { clipboard: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);

    // Off by default: now that the hub would store it, a copy made while the agent runs without
    // --clipboard never arrives (checked at the end, after later copies did).
    const off = await run([]);
    agent = off.started;
    statusUrl = off.url;
    expect(off.started.output()).toContain('clipboard capture is off');
    expect((await clipboardStatus()).capture).toBe('off');
    xclipCopy(x.display, `copied while off ${tag}`);
    everything.push(off.started.output());
    expect(await off.started.stop()).toBe(0);

    const on = await run(['--clipboard']);
    agent = on.started;
    statusUrl = on.url;
    const hello = `Hello from the clipboard ${tag} — ünïcødé`;
    await copyText(hello);
    await waitStored(hello);
    await copyText(hello); // the same again: not sent twice
    const long = `${tag} ${'lorem ipsum '.repeat(1000)}`;
    const status = await copyText(long);
    const texts = await waitUntil('the long copy on the hub', async () => {
      const all = await storedTexts();
      return all.length === 2 && all;
    });
    expect(texts[0]).toBe(hello);
    expect(Buffer.byteLength(texts[1]!)).toBe(4096);
    expect(long.startsWith(texts[1]!)).toBe(true);
    expect(status).toMatchObject({ capture: 'on', copies: 3, sent: 2, skipped: { duplicate: 1 }, hub: null });
    expect(Date.parse(status.lastCaptureAt!)).toBeGreaterThan(0);
    // Never the content on the status page or in the log.
    const page = await (await fetch(statusUrl)).text();
    const json = JSON.stringify(await (await fetch(`${statusUrl}status`)).json());
    for (const text of [hello, `before opt-in ${tag}`]) {
      expect(page + json + everything.join('') + agent.output()).not.toContain(text);
    }
    expect(JSON.stringify(texts)).not.toContain('copied while off');
  });

  it('drops secret-looking text, images and files, and what a password manager marks secret', async () => {
    const secrets = [
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      'export OPENAI_API_KEY=sk-proj-4fJ9xQ2mZt8LwR1vB7nK3pY6',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      `card ${tag}: 4111 1111 1111 1111`,
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ];
    for (const secret of secrets) await copyText(secret);
    // A PNG's first bytes, offered only as image/png: no text target at all.
    await copy(() => xclipCopy(x.display, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png'));
    await copy(() => xclipCopy(x.display, `file:///tmp/report-${tag}.pdf\n`, 'text/uri-list'));
    // KeePassXC offers the password as text and marks it with x-kde-passwordManagerHint = secret.
    const vault = await ownClipboard(x.display, {
      UTF8_STRING: `correct horse ${tag}`,
      'x-kde-passwordManagerHint': 'secret',
    });
    const afterHint = await waitUntil('the hinted copy seen', async () => {
      const status = await clipboardStatus();
      return status.skipped['password-manager'] === 1 && status;
    });
    await vault.close();
    // The same kind of owner without the hint is read and sent: the skip above was the hint's doing.
    const plain = await ownClipboard(x.display, { UTF8_STRING: `plain owner ${tag}` });
    await waitStored(`plain owner ${tag}`);
    await plain.close();
    const texts = await storedTexts();
    for (const secret of [...secrets, `correct horse ${tag}`]) expect(JSON.stringify(texts)).not.toContain(secret);
    expect(afterHint.skipped).toMatchObject({ secret: 5, 'not-text': 1, files: 1, 'password-manager': 1 });
    expect(agent!.output()).not.toContain('correct horse');
  });

  it('sends nothing copied while an excluded title or a private browser window has focus', async () => {
    x.openWindow(`Password vault ${tag}`, 'vault');
    await focusOn(`Password vault ${tag}`);
    await copyText(`copied in the vault ${tag}`);
    x.openWindow(`News ${tag} — Mozilla Firefox Private Browsing`, 'private');
    await focusOn(`News ${tag} — Mozilla Firefox Private Browsing`);
    const status = await copyText(`copied in private ${tag}`);
    expect(status.skipped.private).toBe(2);
    x.openWindow(`Plain ${tag}`, 'plain');
    await focusOn(`Plain ${tag}`);
    await copyText(`copied in plain ${tag}`);
    const texts = await waitStored(`copied in plain ${tag}`);
    expect(texts.join('\n')).not.toMatch(/copied in (the vault|private)/);
    everything.push(agent!.output());
    expect(await agent!.stop()).toBe(0);
    agent = undefined;
    // What was queued went through the queue file like any event; nothing is left in it.
    expect(readFileSync(join(dir, 'queue.jsonl'), 'utf8')).toBe('');
  });

  it('says it needs xclip when xclip is missing, and keeps sampling and uploading the rest', async () => {
    // A PATH with the X tools the agent uses, but no xclip.
    const bin = join(dir, '..', 'bin-without-xclip');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['xprop', 'xprintidle']) {
      const path = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(path, join(bin, tool));
    }
    const title = `Without xclip ${tag}`;
    x.openWindow(title, 'noxclip');
    await focusOn(title);
    const { started, url } = await run(['--clipboard'], { PATH: bin });
    agent = started;
    statusUrl = url;
    const status = await clipboardStatus();
    expect(status).toMatchObject({ capture: 'unavailable', unavailable: expect.stringContaining('needs xclip') });
    expect(started.output()).toContain('clipboard capture needs xclip (apt-get install xclip)');
    const seen = await waitUntil('the focused window sampled without xclip', async () => {
      const body = (await (await fetch(`${url}status`)).json()) as { focusedWindow: { title?: string } | null };
      return body.focusedWindow?.title === title && body;
    });
    expect(seen).toBeTruthy();
    await started.stop();
    agent = undefined;
    const apps = await storedEvents(hub, alice, deviceId, 'active_app');
    expect(apps.some((e) => (e.data as { title?: string }).title === title)).toBe(true);
  });
});
