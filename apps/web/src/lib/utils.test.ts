import { describe, expect, it } from 'vitest';
import { formatDate, initials } from '@/lib/utils';

describe('initials', () => {
  it('takes whole graphemes, never half an emoji', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('Ada Lovelace 🎉')).toBe('AL');
    expect(initials('Ada 👩🏽‍💻')).toBe('A');
    expect(initials('👩🏽‍💻 Dev')).toBe('D');
    expect(initials('🎉')).toBe('🎉');
    expect(initials('🇬🇧 🇫🇷')).toBe('🇬🇧');
    expect(initials('  ')).toBe('?');
    expect(initials('élodie çava')).toBe('ÉÇ');
  });

  it('never yields a lone surrogate', () => {
    for (const name of ['Bob 😀', '😀', 'x 𝒜', 'Ann 🏳️‍🌈']) {
      expect(initials(name)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});

describe('formatDate', () => {
  it("uses the reader's time zone, not UTC", () => {
    const iso = '2026-01-15T23:30:00Z';
    const inTokyo = formatDate(iso, { timeZone: 'Asia/Tokyo' });
    expect(inTokyo).toContain('16');
    expect(formatDate(iso)).not.toContain('UTC');
    expect(formatDate('not a date')).toBe('');
  });
});
