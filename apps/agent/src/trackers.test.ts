import { describe, expect, it } from 'vitest';
import { createPrivacyFilter, privacySchema } from './privacy.ts';
import { FocusTracker, IdleTracker } from './trackers.ts';
import { parseWindowProperties, windowCaptureLimit } from './x11.ts';

describe('FocusTracker', () => {
  it('makes one span per stretch of focus, dated at its start, and cuts long ones', () => {
    const focus = new FocusTracker(60_000);
    const t0 = Date.parse('2026-12-03T09:00:00Z');
    expect(focus.observe({ app: 'XTerm', title: 'vim' }, t0)).toEqual([]);
    expect(focus.observe({ app: 'XTerm', title: 'vim' }, t0 + 5_000)).toEqual([]);
    const [closed] = focus.observe({ app: 'firefox', title: 'Docs' }, t0 + 12_340);
    expect(closed).toMatchObject({
      type: 'active_app',
      ts: '2026-12-03T09:00:00.000Z',
      data: { app: 'XTerm', title: 'vim', durationSeconds: 12.3 },
    });
    const [cut] = focus.observe({ app: 'firefox', title: 'Docs' }, t0 + 12_340 + 60_000);
    expect(cut!.data).toEqual({ app: 'firefox', title: 'Docs', durationSeconds: 60 });
    const [last] = focus.observe(null, t0 + 12_340 + 61_000);
    expect(last!.data).toEqual({ app: 'firefox', title: 'Docs', durationSeconds: 1 });
    expect(focus.close(t0 + 100_000)).toBeNull();
  });
});

describe('IdleTracker', () => {
  it('reports the start of idleness at the last input, and the return with how long it lasted', () => {
    const idle = new IdleTracker(180_000);
    const t0 = Date.parse('2026-12-03T09:00:00Z');
    expect(idle.observe(1_000, t0)[0]!.data).toEqual({ idle: false, seconds: 1 });
    expect(idle.observe(100_000, t0 + 100_000)).toEqual([]);
    const [away] = idle.observe(200_000, t0 + 200_000);
    expect(away).toMatchObject({ ts: new Date(t0).toISOString(), data: { idle: true, seconds: 200 } });
    expect(idle.observe(210_000, t0 + 210_000)).toEqual([]);
    const [back] = idle.observe(500, t0 + 400_000);
    expect(back).toMatchObject({ ts: new Date(t0 + 399_500).toISOString(), data: { idle: false, seconds: 399.5 } });
  });
});

describe('privacy filter', () => {
  const filter = createPrivacyFilter(
    privacySchema.parse({ excludeApps: ['KeePassXC'], excludeTitlePatterns: ['bank', '^Inbox \\(\\d+\\)'] }),
  );
  it('drops excluded apps, and titles that match a pattern or a private window', () => {
    expect(filter({ app: 'keepassxc', title: 'Passwords' })).toBeNull();
    expect(filter({ app: 'firefox', title: 'My Bank - login' })).toEqual({ app: 'firefox', title: null });
    expect(filter({ app: 'firefox', title: 'News — Mozilla Firefox Private Browsing' })).toEqual({
      app: 'firefox',
      title: null,
    });
    expect(filter({ app: 'chromium', title: 'New Tab - Chromium (Incognito)' })).toEqual({
      app: 'chromium',
      title: null,
    });
    expect(filter({ app: 'thunderbird', title: 'Inbox (3) - Mail' })).toEqual({ app: 'thunderbird', title: null });
    expect(filter({ app: 'XTerm', title: 'make test' })).toEqual({ app: 'XTerm', title: 'make test' });
  });
});

describe('xprop output', () => {
  it('prefers _NET_WM_NAME, falls back to WM_NAME, and unescapes quotes', () => {
    const both = [
      '_NET_WM_NAME(UTF8_STRING) = "Grüße — \\"quoted\\""',
      'WM_NAME(STRING) = "old name"',
      'WM_CLASS(STRING) = "Navigator", "firefox"',
      '_NET_WM_PID(CARDINAL) = 4242',
    ].join('\n');
    expect(parseWindowProperties(both)).toEqual({
      title: 'Grüße — "quoted"',
      wmClass: ['Navigator', 'firefox'],
      pid: 4242,
    });
    const old = [
      '_NET_WM_NAME:  not found.',
      'WM_NAME(STRING) = "xmessage"',
      'WM_CLASS(STRING) = "xmessage", "Xmessage"',
      '_NET_WM_PID:  not found.',
    ].join('\n');
    expect(parseWindowProperties(old)).toEqual({ title: 'xmessage', wmClass: ['xmessage', 'Xmessage'], pid: null });
  });

  it('says what it cannot see on Wayland or without a display', () => {
    expect(windowCaptureLimit({ DISPLAY: ':0' })).toBeNull();
    expect(windowCaptureLimit({ WAYLAND_DISPLAY: 'wayland-0' })).toContain('Wayland');
    expect(windowCaptureLimit({ DISPLAY: ':0', XDG_SESSION_TYPE: 'wayland' })).toContain('XWayland');
    expect(windowCaptureLimit({})).toContain('no display');
  });
});
