import { describe, expect, it } from 'vitest';
import { callsHref, cursorFrom, formatDuration } from './format';

describe('formatDuration', () => {
  it('shows minutes and seconds, and hours only when there are some', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(95)).toBe('1:35');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(12.9)).toBe('0:12');
    expect(formatDuration(-4)).toBe('0:00');
  });
});

describe('calls paging', () => {
  it('keeps the filter when going to older calls, and back to the newest', () => {
    expect(callsHref(undefined)).toBe('/calls');
    expect(callsHref('missed')).toBe('/calls?filter=missed');
    expect(callsHref(undefined, 'abc_-1')).toBe('/calls?older=abc_-1');
    expect(callsHref('outgoing', 'abc')).toBe('/calls?filter=outgoing&older=abc');
  });

  it('takes only a cursor the hub could have made from the address', () => {
    expect(cursorFrom('eyJhdCI6IjIwMjYifQ')).toBe('eyJhdCI6IjIwMjYifQ');
    expect(cursorFrom(['first', 'second'])).toBe('first');
    expect(cursorFrom(undefined)).toBeUndefined();
    expect(cursorFrom('')).toBeUndefined();
    expect(cursorFrom('a b')).toBeUndefined();
    expect(cursorFrom('x'.repeat(301))).toBeUndefined();
  });
});
