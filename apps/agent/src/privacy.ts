import { z } from 'zod';

export const privacySchema = z.object({
  /** Apps never reported at all (matched case-insensitively against the app name). */
  excludeApps: z.array(z.string()).default([]),
  /** Regular expressions (case-insensitive): a matching title is not sent, only the app. */
  excludeTitlePatterns: z.array(z.string()).default([]),
  /** Private/incognito browser windows: their titles are never sent. On by default. */
  hidePrivateWindows: z.boolean().default(true),
  /** Clipboard capture (also `run --clipboard`). Off unless the user turns it on. */
  clipboard: z.boolean().default(false),
});
export type PrivacySettings = z.infer<typeof privacySchema>;

/** Titles browsers give their private windows. */
const privateWindow = /(private browsing|incognito|inprivate|private window)/i;

export interface Window {
  app: string;
  title: string | null;
}

/**
 * Applied on the device before anything is queued: null for an excluded app, otherwise the
 * window with its title removed when a pattern or private-window rule says so.
 */
export function createPrivacyFilter(settings: PrivacySettings) {
  const apps = new Set(settings.excludeApps.map((a) => a.toLowerCase()));
  const patterns = settings.excludeTitlePatterns.map((p) => new RegExp(p, 'i'));
  return (window: Window): Window | null => {
    if (apps.has(window.app.toLowerCase())) return null;
    const title = window.title;
    if (title === null) return window;
    if (settings.hidePrivateWindows && privateWindow.test(title)) return { app: window.app, title: null };
    if (patterns.some((p) => p.test(title))) return { app: window.app, title: null };
    return window;
  };
}

/**
 * For clipboard capture: why a copy made while this window has focus must not be sent (an
 * excluded app, a title matching a pattern, a private browser window), or null when it may.
 * Stricter than the window filter, which still reports such a window without its title.
 */
export function createClipboardGuard(settings: PrivacySettings) {
  const apps = new Set(settings.excludeApps.map((a) => a.toLowerCase()));
  const patterns = settings.excludeTitlePatterns.map((p) => new RegExp(p, 'i'));
  return (window: Window | null): string | null => {
    if (!window) return null;
    if (apps.has(window.app.toLowerCase())) return 'excluded app';
    const title = window.title;
    if (title === null) return null;
    if (settings.hidePrivateWindows && privateWindow.test(title)) return 'private window';
    if (patterns.some((p) => p.test(title))) return 'excluded title';
    return null;
  };
}
