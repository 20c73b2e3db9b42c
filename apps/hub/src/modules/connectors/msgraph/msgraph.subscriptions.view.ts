import type { JsonObject } from '../connectors.contract.ts';
import type { MsgraphOptions } from './msgraph.options.ts';
import type { NotificationsState } from './msgraph.subscriptions.repository.ts';

/** Polling every `minutes`, as a person reads it. */
export const checkingEvery = (minutes: number) =>
  minutes === 1 ? 'Checking every minute' : `Checking every ${minutes} minutes`;

/**
 * The connection view's `setup` (pure, from the options and connections.state): which mode
 * is active — change notifications or polling, and why not notifications — with the
 * subscriptions' earliest expiry and the last notification; and whether Teams presence is
 * offered (work accounts only).
 */
export function liveSetup(options: MsgraphOptions, state: JsonObject): JsonObject {
  const live = (state.notifications ?? null) as Partial<NotificationsState> | null;
  const presence = options.workAccount
    ? { offered: true, summary: 'Teams presence of you and your colleagues, checked every minute' }
    : { offered: false, summary: 'Teams presence is not offered for personal Microsoft accounts' };
  if (live?.mode === 'notifications')
    return {
      mode: 'notifications',
      pollMinutes: options.pollMinutes,
      summary: 'Live updates (change notifications)',
      detail: 'Microsoft tells the hub about changes; a check every 30 minutes is the safety net.',
      subscriptionExpiresAt: live.expiresAt ?? null,
      lastNotificationAt: live.lastNotificationAt ?? null,
      presence,
    };
  return {
    mode: 'polling',
    pollMinutes: options.pollMinutes,
    summary: checkingEvery(options.pollMinutes),
    reason: live?.reason ?? null,
    presence,
  };
}
