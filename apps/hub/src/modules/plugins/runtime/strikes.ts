import type { Logger } from '../../../platform/logger.ts';
import type { CrashSuspect, RuntimeCrash } from './supervisor.ts';

export interface StrikeOptions {
  logger: Logger;
  /** Disables the plugin and tells its user why (the plugins service). */
  disable: (ownerId: string, pluginId: string, reason: string) => Promise<unknown>;
  /** Strikes older than this are forgotten. */
  windowMs?: number;
}

/**
 * Who pays for a runtime crash. A plugin alone in flight when the runtime went down is
 * disabled at once; plugins that shared the crash get a strike each and are disabled at
 * their second, so a crashing plugin cannot hide among others for long and an innocent
 * one survives a neighbour's crash. Without this, an event trigger would redeliver into
 * the same crash on every restart.
 */
export function createCrashStrikes(options: StrikeOptions) {
  const windowMs = options.windowMs ?? 60 * 60_000;
  const strikes = new Map<string, { count: number; at: number }>();

  async function strike(suspect: CrashSuspect, alone: boolean, reason: string) {
    if (suspect.ownerId === undefined) return;
    const now = Date.now();
    const previous = strikes.get(suspect.key);
    const count = (previous && now - previous.at <= windowMs ? previous.count : 0) + 1;
    strikes.set(suspect.key, { count, at: now });
    if (!alone && count < 2) return;
    strikes.delete(suspect.key);
    const why = `The plugin runtime went down while it ran: ${reason}`.slice(0, 200);
    try {
      await options.disable(suspect.ownerId, suspect.pluginId, why);
    } catch (error) {
      options.logger.error({ err: error, pluginId: suspect.pluginId }, 'could not disable a crashing plugin');
    }
  }

  return {
    async crashed(crash: RuntimeCrash) {
      const alone = crash.suspects.length === 1;
      await Promise.all(crash.suspects.map((suspect) => strike(suspect, alone, crash.reason)));
    },
    strikesOf(key: string): number {
      return strikes.get(key)?.count ?? 0;
    },
  };
}
