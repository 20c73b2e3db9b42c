import { execFile, spawn } from 'node:child_process';
import x11 from 'x11';
import type { DesktopEnv } from './x11.ts';

/**
 * The X11 CLIPBOARD selection. Changes are watched, not polled: one X connection (the `x11`
 * package, pure JavaScript) asks the XFIXES extension to report each new selection owner, so
 * nothing runs while nobody copies. Reading is left to `xclip` (Debian package xclip), which
 * speaks the selection protocol (conversions, INCR transfers of large data) as every X client
 * expects; it runs only after a copy, two or three times.
 */

/** Why the clipboard cannot be watched here, or null when an X11 display is set. */
export function clipboardDisplayLimit(env: DesktopEnv): string | null {
  if (env.DISPLAY) return null;
  if (env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland') {
    return 'Wayland session without XWayland: Wayland does not let programs in the background read the clipboard';
  }
  return 'no display (DISPLAY is not set): the clipboard cannot be read';
}

export interface ClipboardWatch {
  close(): void;
}

/**
 * Calls `onCopy` each time a client takes ownership of CLIPBOARD (that is what copying does),
 * and `onLost` if the display goes away. Rejects when the display or XFIXES is not there.
 */
export function watchClipboard(env: DesktopEnv, onCopy: () => void, onLost: (why: string) => void) {
  return new Promise<ClipboardWatch>((resolve, reject) => {
    let ready = false;
    const fail = (error: Error) => (ready ? onLost(error.message) : reject(error));
    const client = x11.createClient({ display: env.DISPLAY! }, (error, display) => {
      if (error) return fail(error);
      const X = display.client;
      X.require('fixes', (error, fixes) => {
        if (error) return fail(new Error(`the X server has no XFIXES extension (${error.message})`));
        X.InternAtom(false, 'CLIPBOARD', (error, clipboard) => {
          if (error) return fail(error);
          // An unmapped input-only window of our own receives the notifications.
          const window = X.AllocID();
          X.CreateWindow(window, display.screen[0]!.root, 0, 0, 1, 1, 0, 0, 2, 0, {});
          X.on('event', (event) => {
            if (
              event.name === 'SelectionNotify' &&
              event.subtype === 0 &&
              event.selection === clipboard &&
              event.owner !== 0
            ) {
              onCopy();
            }
          });
          fixes.SelectSelectionInput(window, clipboard, fixes.SelectionEventMask.SetSelectionOwner);
          ready = true;
          resolve({ close: () => X.terminate() });
        });
      });
    });
    client.on('error', (error) => fail(error));
    client.on('end', () => fail(new Error('the X display closed the connection')));
  });
}

const xclipTimeoutMs = 3_000;

/** Whether xclip can be run (ENOENT: it is not installed, or not on PATH). */
export function xclipInstalled(env: DesktopEnv): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('xclip', ['-version'], { env, timeout: xclipTimeoutMs }, (error) =>
      resolve(!error || (error as NodeJS.ErrnoException).code !== 'ENOENT'),
    );
  });
}

/**
 * One CLIPBOARD target's bytes, at most `maxBytes` of them (`complete` false when there were
 * more: xclip is stopped then). Rejects when the owner cannot convert it or does not answer.
 */
export function readClipboard(
  env: DesktopEnv,
  target: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn('xclip', ['-selection', 'clipboard', '-o', '-t', target], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let complete = true;
    let stderr = '';
    const timer = setTimeout(() => {
      complete = false;
      child.kill('SIGKILL');
    }, xclipTimeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (size > maxBytes) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        complete = false;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      if (!complete && size > maxBytes) return resolve({ bytes: bytes.subarray(0, maxBytes), complete });
      if (!complete) return reject(new Error(`xclip got no answer for ${target} within ${xclipTimeoutMs} ms`));
      if (code !== 0) return reject(new Error(stderr.trim() || `xclip exited with ${code}`));
      resolve({ bytes, complete });
    });
  });
}

/** The targets (formats) the current CLIPBOARD owner offers. */
export async function clipboardTargets(env: DesktopEnv): Promise<string[]> {
  const { bytes } = await readClipboard(env, 'TARGETS', 64 * 1024);
  return bytes
    .toString('utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
