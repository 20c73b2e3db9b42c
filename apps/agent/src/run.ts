import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeviceEvent } from '@made-open/shared/devices';
import { ActivityWatchRelay } from './activitywatch.ts';
import { ActivityWatchServer } from './activitywatch-server.ts';
import { ClipboardCapture } from './clipboard.ts';
import { loadCredentials } from './credentials.ts';
import type { Logger } from './log.ts';
import { createClipboardGuard, createPrivacyFilter, privacySchema, type PrivacySettings } from './privacy.ts';
import { DiskQueue } from './queue.ts';
import { serverPort, startStatusServer } from './status.ts';
import { FocusTracker, IdleTracker } from './trackers.ts';
import { Uploader } from './uploader.ts';
import {
  clipboardDisplayLimit,
  clipboardTargets,
  readClipboard,
  watchClipboard,
  xclipInstalled,
  type ClipboardWatch,
} from './x11-clipboard.ts';
import { focusedWindow, idleMilliseconds, windowCaptureLimit, type DesktopEnv } from './x11.ts';

export interface RunOptions {
  dir: string;
  env: DesktopEnv;
  log: Logger;
  sampleMs: number;
  uploadMs: number;
  maxSpanMs: number;
  idleThresholdMs: number;
  /** Sample the focused window and idle time on this machine's display. */
  windows: boolean;
  activityWatchUrl: string | null;
  activityWatchPollMs: number;
  activityWatchSettleMs: number;
  /** Serve aw-server's watcher API on this 127.0.0.1 port (0: any free port; null: not at all). */
  serveActivityWatchPort: number | null;
  /** 0: any free port; null: no status page. */
  statusPort: number | null;
  minBackoffMs: number;
  /** `--clipboard`: capture copied text (also `"clipboard": true` in config.json). */
  clipboard: boolean;
}

const missing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** Whether each X11 probe works here, and if not, why (shown on the status page and logged once). */
async function probe(options: RunOptions) {
  let windowLimit = options.windows ? windowCaptureLimit(options.env) : 'window sampling is off (--no-windows)';
  if (!windowLimit) {
    await focusedWindow(options.env).catch((error) => {
      windowLimit = missing(error)
        ? 'xprop is not installed (apt-get install x11-utils)'
        : `cannot read the display: ${(error as Error).message}`;
    });
  }
  let idleLimit: string | null = windowLimit;
  if (!idleLimit) {
    await idleMilliseconds(options.env).catch((error) => {
      idleLimit = missing(error)
        ? 'xprintidle is not installed (apt-get install xprintidle)'
        : `cannot read idle time: ${(error as Error).message}`;
    });
  }
  return { windowLimit: windowLimit as string | null, idleLimit };
}

/** Why clipboard capture cannot run here (it needs xclip to read, xprop to apply the privacy filters). */
async function probeClipboard(env: DesktopEnv): Promise<string | null> {
  const display = clipboardDisplayLimit(env);
  if (display) return display;
  if (!(await xclipInstalled(env))) return 'clipboard capture needs xclip (apt-get install xclip)';
  const xprop = await focusedWindow(env).then(
    () => null,
    (error) =>
      missing(error) ? 'clipboard capture needs xprop (apt-get install x11-utils) for the privacy filters' : null,
  );
  return xprop;
}

/**
 * Clipboard capture, off unless `on`: probes what it needs, says at start whether it runs,
 * watches CLIPBOARD and queues what ClipboardCapture lets through, one copy at a time. Its
 * status (never content) is for the status page; `onUploadResult` notices the hub refusing
 * clipboard events for this device.
 */
async function startClipboardCapture(
  on: boolean,
  env: DesktopEnv,
  privacy: PrivacySettings,
  queue: DiskQueue,
  log: Logger,
) {
  let limit = on ? await probeClipboard(env) : null;
  let hubRefused: string | null = null;
  const capture = new ClipboardCapture(
    { targets: () => clipboardTargets(env), read: (target, max) => readClipboard(env, target, max) },
    () => focusedWindow(env),
    createClipboardGuard(privacy),
  );
  let busy = false;
  let again = false;
  const onCopy = async () => {
    if (busy) {
      again = true; // read once more when this one is done: the newest copy counts
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const { outcome, why, event } = await capture.onCopy(Date.now());
        if (event) queue.push([event]);
        log.debug('clipboard copy', { outcome, ...(why ? { why } : {}) }); // never the text
      } while (again);
    } catch (error) {
      log.error('clipboard capture failed', { error: (error as Error).message });
    } finally {
      busy = false;
    }
  };
  let watch: ClipboardWatch | null = null;
  if (on && !limit) {
    watch = await watchClipboard(
      env,
      () => void onCopy(),
      (why) => {
        if (limit) return;
        limit = `stopped watching the clipboard: ${why}`;
        log.warn('clipboard capture stopped', { why });
      },
    ).catch((error: Error) => {
      limit = `cannot watch the clipboard: ${error.message}`;
      return null;
    });
  }
  if (!on) {
    log.info('clipboard capture is off (turn it on with --clipboard or "clipboard": true in config.json)');
  } else if (limit) {
    log.warn(limit.startsWith('clipboard capture') ? limit : 'clipboard capture is not running', { why: limit });
  } else {
    log.info('clipboard capture is on: copied text (CLIPBOARD, not PRIMARY) is sent to the hub');
  }
  return {
    status: () => ({
      capture: !on ? 'off' : limit ? 'unavailable' : 'on',
      ...(limit ? { unavailable: limit } : {}),
      ...capture.status,
      hub: hubRefused,
    }),
    onUploadResult: (event: DeviceEvent, status: string, reason?: string) => {
      if (event.type !== 'clipboard') return;
      if (status === 'rejected' && reason?.includes('clipboard capture is off')) {
        if (!hubRefused) {
          log.warn("the hub refuses clipboard events: turn clipboard on for this device on the hub's Devices page");
        }
        hubRefused = `the hub refused the last clipboard event (${reason}): turn clipboard on for this device on the hub's Devices page`;
      } else if (status === 'stored') {
        hubRefused = null;
      }
    },
    close: () => watch?.close(),
  };
}

/**
 * `made-open-agent run`: samples, relays and uploads until SIGINT/SIGTERM, then closes the
 * open focus span, tries one last upload and exits. Whatever is not uploaded stays queued.
 */
export async function runAgent(options: RunOptions): Promise<void> {
  const { log, dir, env } = options;
  const credentials = loadCredentials(dir);
  log.addSecret(credentials.token);
  const configPath = join(dir, 'config.json');
  const privacy = privacySchema.parse(existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {});
  const filter = createPrivacyFilter(privacy);
  const queue = DiskQueue.open(join(dir, 'queue.jsonl'));
  if (queue.skippedLines > 0)
    log.warn('skipped unreadable queue lines (an interrupted write)', { lines: queue.skippedLines });
  const clipboard = await startClipboardCapture(options.clipboard || privacy.clipboard, env, privacy, queue, log);
  const uploader = new Uploader(credentials, queue, log, {
    minBackoffMs: options.minBackoffMs,
    onResult: clipboard.onUploadResult,
  });
  const focus = new FocusTracker(options.maxSpanMs);
  const idle = new IdleTracker(options.idleThresholdMs);
  const relay = options.activityWatchUrl
    ? new ActivityWatchRelay({
        baseUrl: options.activityWatchUrl,
        stateFile: join(dir, 'activitywatch-cursors.json'),
        log,
        filter,
        settleMs: options.activityWatchSettleMs,
      })
    : null;
  const awServer =
    options.serveActivityWatchPort === null
      ? null
      : new ActivityWatchServer({
          port: options.serveActivityWatchPort,
          stateFile: join(dir, 'activitywatch-buckets.json'),
          log,
          filter,
          emit: (events) => queue.push(events),
          maxSpanSeconds: options.maxSpanMs / 1000,
        });
  const awServerPort = awServer ? await awServer.start() : null;
  const { windowLimit, idleLimit } = await probe(options);
  if (windowLimit) log.warn('focused window not sampled', { why: windowLimit });
  if (idleLimit && idleLimit !== windowLimit) log.warn('idle time not sampled', { why: idleLimit });
  let sampleError: string | null = null;

  const stop = new AbortController();
  const loop = async (everyMs: number, tick: () => Promise<void>) => {
    while (!stop.signal.aborted) {
      await tick().catch((error) => log.error('tick failed', { error: (error as Error).message }));
      await sleep(everyMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  };

  const sample = async () => {
    const now = Date.now();
    const events = [];
    try {
      let idleMs = 0;
      if (!idleLimit) {
        idleMs = await idleMilliseconds(env);
        events.push(...idle.observe(idleMs, now));
      }
      if (idle.idle) {
        const closed = focus.close(now - idleMs); // the span ended with the last input
        if (closed) events.push(closed);
      } else if (!windowLimit) {
        const window = await focusedWindow(env);
        events.push(...focus.observe(window ? filter(window) : null, now));
      }
      sampleError = null;
    } catch (error) {
      sampleError = (error as Error).message;
    }
    queue.push(events);
  };

  const statusServer =
    options.statusPort === null
      ? null
      : await startStatusServer(options.statusPort, () => ({
          deviceId: credentials.deviceId,
          hub: credentials.hubUrl,
          queued: queue.length,
          droppedFromFullQueue: queue.dropped,
          upload: uploader.state,
          focusedWindow: windowLimit ? { unavailable: windowLimit } : (focus.focused ?? null),
          idle: idleLimit ? { unavailable: idleLimit } : idle.idle,
          sampleError,
          activityWatch: relay
            ? { url: options.activityWatchUrl, lastPollAt: relay.lastPollAt, lastError: relay.lastError }
            : null,
          activityWatchServer: awServerPort === null ? null : `http://127.0.0.1:${awServerPort}`,
          clipboard: clipboard.status(),
          privacy,
        }));
  log.info('agent running', {
    deviceId: credentials.deviceId,
    hub: credentials.hubUrl,
    queued: queue.length,
    statusPage: statusServer ? `http://127.0.0.1:${serverPort(statusServer)}/` : null,
    activityWatchServer: awServerPort === null ? null : `http://127.0.0.1:${awServerPort}`,
    clipboard: clipboard.status().capture,
  });

  const loops = [
    !windowLimit || !idleLimit ? loop(options.sampleMs, sample) : null,
    loop(options.uploadMs, async () => {
      if (uploader.due()) await uploader.flush();
    }),
    relay
      ? loop(options.activityWatchPollMs, async () => {
          queue.push(await relay.poll());
          relay.commit();
        })
      : null,
  ];

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('stopping');
  stop.abort();
  clipboard.close();
  await Promise.all(loops);
  await awServer?.stop(); // forwards the events still open
  const last = focus.close(Date.now());
  if (last) queue.push([last]);
  if (uploader.due()) await Promise.race([uploader.flush().catch(() => 0), sleep(10_000)]);
  statusServer?.close();
  log.info('stopped', { queued: queue.length });
}
