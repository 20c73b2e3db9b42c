import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface FocusedWindow {
  /** The application: the WM_CLASS class (e.g. "XTerm", "firefox"), else the process name. */
  app: string;
  /** _NET_WM_NAME, else WM_NAME (Xt and other older toolkits set only the latter). */
  title: string | null;
  pid: number | null;
}

/** The environment the X tools run in (PATH, DISPLAY, XAUTHORITY...), passed down from main. */
export interface DesktopEnv {
  DISPLAY?: string | undefined;
  WAYLAND_DISPLAY?: string | undefined;
  XDG_SESSION_TYPE?: string | undefined;
  [name: string]: string | undefined;
}

/** Why the focused window cannot be read here, or null when it can (an X11 display is set). */
export function windowCaptureLimit(env: DesktopEnv): string | null {
  if (env.DISPLAY) {
    return env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland'
      ? 'Wayland session: only X11 (XWayland) windows are seen; native Wayland windows are reported as no window'
      : null;
  }
  if (env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland') {
    return 'Wayland session without XWayland: Wayland does not let other programs read the focused window; use ActivityWatch watchers for your compositor with --activitywatch';
  }
  return 'no display (DISPLAY is not set): the focused window cannot be read';
}

function run(command: string, args: string[], env: DesktopEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 5_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** xprop prints strings C-escaped inside double quotes. */
function quoted(value: string | undefined): string[] {
  if (!value) return [];
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

function property(output: string, name: string): string | undefined {
  const line = output.split('\n').find((l) => l.startsWith(`${name}(`));
  return line?.slice(line.indexOf('=') + 1).trim();
}

/** Parses `xprop -id <w> _NET_WM_NAME WM_NAME WM_CLASS _NET_WM_PID`. */
export function parseWindowProperties(output: string): { title: string | null; wmClass: string[]; pid: number | null } {
  const title = quoted(property(output, '_NET_WM_NAME'))[0] ?? quoted(property(output, 'WM_NAME'))[0] ?? null;
  const pid = Number(property(output, '_NET_WM_PID'));
  return { title, wmClass: quoted(property(output, 'WM_CLASS')), pid: Number.isInteger(pid) && pid > 0 ? pid : null };
}

/**
 * The focused window on an X11 display, read with xprop (x11-utils): the window manager's
 * _NET_ACTIVE_WINDOW on the root window, then that window's name, class and pid. Null when
 * no window has focus.
 */
export async function focusedWindow(env: DesktopEnv): Promise<FocusedWindow | null> {
  const root = await run('xprop', ['-root', '_NET_ACTIVE_WINDOW'], env);
  const id = /window id # (0x[0-9a-f]+)/i.exec(root)?.[1];
  if (!id || Number(id) === 0) return null;
  let output: string;
  try {
    output = await run('xprop', ['-id', id, '_NET_WM_NAME', 'WM_NAME', 'WM_CLASS', '_NET_WM_PID'], env);
  } catch {
    return null; // the window closed between the two calls
  }
  const { title, wmClass, pid } = parseWindowProperties(output);
  let app = wmClass[1] ?? wmClass[0] ?? null;
  if (!app && pid) app = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() || null;
  return { app: app ?? 'unknown', title, pid };
}

/** Milliseconds since the last keyboard or pointer input (X's screen-saver extension, via xprintidle). */
export async function idleMilliseconds(env: DesktopEnv): Promise<number> {
  const ms = Number((await run('xprintidle', [], env)).trim());
  if (!Number.isFinite(ms)) throw new Error('xprintidle printed no number');
  return ms;
}
