import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The X tests drive a real X server (Xvfb) with a real window manager (openbox) and real X
 * clients (xmessage from x11-utils). The agent needs xprop (x11-utils), xprintidle and, for
 * the clipboard, xclip; the tests also use xdotool to move the pointer and xclip to copy. Like apps/web/e2e/run.mjs with Chromium, what is
 * missing is installed with apt when we are root; otherwise the message says how.
 */
export const xPackages = {
  Xvfb: 'xvfb',
  openbox: 'openbox',
  xprop: 'x11-utils',
  xmessage: 'x11-utils',
  xprintidle: 'xprintidle',
  xdotool: 'xdotool',
  xclip: 'xclip',
};

const which = (binary: string) => spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;

export const xvfbPresent = () => which('Xvfb');

export function ensureXTools() {
  const missing = [
    ...new Set(
      Object.entries(xPackages)
        .filter(([bin]) => !which(bin))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`The X tests need these Debian packages: sudo apt-get install -y ${missing.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...missing],
  ]) {
    const result = spawnSync('apt-get', args, { env, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.status})`);
  }
}

export interface XDisplay {
  display: string;
  /** Opens a real X window (xmessage) with this title and class; it gets focus from openbox. */
  openWindow(title: string, wmClass: string): ChildProcess;
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Xvfb on a display number it picks, then openbox on it, ready when the WM publishes _NET_ACTIVE_WINDOW. */
export async function startXDisplay(): Promise<XDisplay> {
  const children: ChildProcess[] = [];
  // -displayfd: Xvfb picks a free display number itself and writes it to fd 3.
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  children.push(xvfb);
  const number = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
  });
  const display = `:${number}`;
  const env = { ...process.env, DISPLAY: display };
  // On a loaded CI machine (the web and hub suites run beside this one) openbox has taken
  // over 10 s to come up: wait by the clock, and say so at once if a server or WM exited.
  const ready = async (check: string[], child: ChildProcess, name: string) => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (spawnSync(check[0]!, check.slice(1), { env, stdio: 'ignore' }).status === 0) return;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} on ${display} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      await sleep(100);
    }
    throw new Error(`X display ${display} not ready within 90 s for ${check.join(' ')}`);
  };
  try {
    await ready(['xprop', '-root', 'WM_NAME'], xvfb, 'Xvfb');
    // Two openboxes starting at once on a new machine race to make ~/.cache/openbox, and the
    // loser exits (1): seen in CI, where the X test files start together. It gets two more tries.
    for (let attempt = 1; ; attempt++) {
      const openbox = spawn('openbox', ['--sm-disable'], { env, stdio: 'ignore' });
      children.push(openbox);
      try {
        await ready(['sh', '-c', 'xprop -root _NET_SUPPORTING_WM_CHECK | grep -q "window id"'], openbox, 'openbox');
        break;
      } catch (error) {
        if (attempt === 3 || openbox.exitCode === null) throw error;
      }
    }
  } catch (error) {
    // Not left running (an orphaned Xvfb holds its display number for good).
    for (const child of children) child.kill('SIGTERM');
    throw error;
  }
  return {
    display,
    openWindow(title, wmClass) {
      const child = spawn('xmessage', ['-name', wmClass, '-title', title, '-center', `${title}: agent test window`], {
        env,
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    },
    close() {
      for (const child of children.reverse()) child.kill('SIGTERM');
    },
  };
}
