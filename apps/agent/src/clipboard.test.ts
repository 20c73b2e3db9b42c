import { describe, expect, it } from 'vitest';
import { ClipboardCapture, cutUtf8, passwordManagerHint } from './clipboard.ts';
import { createClipboardGuard, privacySchema, type Window } from './privacy.ts';
import { luhnValid, secretKind } from './secrets.ts';

describe('secret-looking text', () => {
  it.each([
    ['an OpenAI-style key', 'key: sk-proj-4fJ9xQ2mZt8LwR1vB7nK3pY6'],
    ['a Stripe key', 'sk_live_51HxYzAbCdEf0123456789'],
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['a JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['a GitHub token', 'ghp_0123456789abcdefABCDEF0123456789abcd'],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n'],
    ['a long hex token', 'token=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['a long base64 token', 'aGVsbG8gd29ybGQhIFRoaXMgaXMgYSBzZWNyZXQ9PT0xMjM0NTY3OA=='],
    ['a card number with spaces', 'card 4111 1111 1111 1111 exp 12/29'],
    ['a card number with dashes', '5500-0000-0000-0004'],
  ])('finds %s', (_, text) => {
    expect(secretKind(text)).not.toBeNull();
  });

  it.each([
    ['prose', 'Meeting moved to Thursday at 10:30, room 4.'],
    ['a URL', 'https://example.org/docs/getting-started/installation?lang=en'],
    ['a path', '/home/Alice/Projects2024/made-open/apps/agent/src/clipboard.ts'],
    ['a long identifier', 'createClipboardGuardForPrivacySettings2'],
    ['a card-like number failing Luhn', 'order 4111 1111 1111 1112'],
    ['a phone number', '+44 20 7946 0958'],
    ['a word starting with sk-', 'sk-learn-tutorial-for-beginners'],
    ['a UUID', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
  ])('lets %s through', (_, text) => {
    expect(secretKind(text)).toBeNull();
  });

  it('checks Luhn', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });
});

describe('cutUtf8', () => {
  it('cuts to a byte budget without splitting a character', () => {
    expect(cutUtf8('hello', 10)).toBe('hello');
    expect(cutUtf8('aé€😀', 6)).toBe('aé€');
    expect(cutUtf8('aé€😀', 5)).toBe('aé');
    expect(Buffer.byteLength(cutUtf8('😀'.repeat(2000), 4096))).toBe(4096);
    expect(Buffer.byteLength(cutUtf8('é'.repeat(3000), 4095))).toBe(4094);
  });
});

/** A clipboard in memory: the decisions are tested here, the X11 reading in test/clipboard.test.ts. */
function capture(settings: object = {}) {
  let offers: Record<string, string> = {};
  let focused: Window | null | Error = { app: 'XTerm', title: 'shell' };
  const capture = new ClipboardCapture(
    {
      targets: async () => ['TARGETS', ...Object.keys(offers)],
      read: async (target, max) => {
        const bytes = Buffer.from(offers[target] ?? '', 'utf8');
        return { bytes: bytes.subarray(0, max), complete: bytes.length <= max };
      },
    },
    async () => {
      if (focused instanceof Error) throw focused;
      return focused;
    },
    createClipboardGuard(privacySchema.parse(settings)),
  );
  return {
    capture,
    copy: (next: Record<string, string>, window: Window | null | Error = { app: 'XTerm', title: 'shell' }) => {
      offers = next;
      focused = window;
      return capture.onCopy(Date.parse('2026-12-04T10:00:00Z'));
    },
  };
}

describe('ClipboardCapture', () => {
  it('sends text once per run of identical copies, cut to 4 KiB', async () => {
    const { capture: c, copy } = capture();
    const first = await copy({ UTF8_STRING: 'hello there' });
    expect(first.outcome).toBe('sent');
    expect(first.event).toMatchObject({
      type: 'clipboard',
      ts: '2026-12-04T10:00:00.000Z',
      data: { text: 'hello there' },
    });
    expect((await copy({ UTF8_STRING: 'hello there' })).outcome).toBe('duplicate');
    expect((await copy({ UTF8_STRING: 'something else' })).outcome).toBe('sent');
    expect((await copy({ UTF8_STRING: 'hello there' })).outcome).toBe('sent');
    const long = await copy({ UTF8_STRING: 'x'.repeat(100_000) });
    expect(long).toMatchObject({ outcome: 'sent', why: 'cut to 4 KiB' });
    expect((long.event!.data as { text: string }).text).toHaveLength(4096);
    expect(c.status).toMatchObject({ copies: 5, sent: 4, skipped: { duplicate: 1 } });
    expect(c.status.lastCaptureAt).toBe('2026-12-04T10:00:00.000Z');
  });

  it('skips images, files, empty text, secrets and what a password manager marks', async () => {
    const { capture: c, copy } = capture();
    expect((await copy({ 'image/png': 'PNG' })).outcome).toBe('not-text');
    expect((await copy({ 'text/uri-list': 'file:///tmp/a', UTF8_STRING: '/tmp/a' })).outcome).toBe('files');
    expect((await copy({ UTF8_STRING: '  \n' })).outcome).toBe('empty');
    expect((await copy({ UTF8_STRING: 'AKIAIOSFODNN7EXAMPLE' })).outcome).toBe('secret');
    expect((await copy({ UTF8_STRING: 'hunter2', [passwordManagerHint]: 'secret' })).outcome).toBe('password-manager');
    expect((await copy({ STRING: 'latin text' })).event?.data).toEqual({ text: 'latin text' });
    expect(c.status.sent).toBe(1);
    expect(JSON.stringify(c.status)).not.toContain('hunter2');
  });

  it('sends nothing copied in an excluded app, a matching title or a private window, or when focus is unknown', async () => {
    const { copy } = capture({ excludeApps: ['KeePassXC'], excludeTitlePatterns: ['bank'] });
    expect(await copy({ UTF8_STRING: 'one' }, { app: 'keepassxc', title: 'db' })).toMatchObject({
      outcome: 'private',
      why: 'excluded app',
    });
    expect((await copy({ UTF8_STRING: 'two' }, { app: 'firefox', title: 'My Bank' })).why).toBe('excluded title');
    expect((await copy({ UTF8_STRING: 'three' }, { app: 'firefox', title: 'x — Private Browsing' })).why).toBe(
      'private window',
    );
    expect((await copy({ UTF8_STRING: 'four' }, new Error('xprop failed'))).why).toBe('focused window unknown');
    // The same text taken over by a clipboard manager while another window has focus stays unsent.
    expect((await copy({ UTF8_STRING: 'four' })).outcome).toBe('duplicate');
    expect((await copy({ UTF8_STRING: 'five' }, null)).outcome).toBe('sent');
  });
});
