import { describe, expect, it } from 'vitest';
import { readablePhone } from './phones';

describe('readablePhone', () => {
  it('shows a number nationally in its home region and grouped internationally elsewhere', () => {
    expect(readablePhone('+14155550142', 'US')).toBe('(415) 555-0142');
    expect(readablePhone('+447700900123', 'GB')).toBe('07700 900123');
    expect(readablePhone('+447700900123', 'US')).toBe('+44 7700 900123');
    expect(readablePhone('+14155550142')).toBe('+1 415 555 0142');
  });

  it('leaves names and anything else alone', () => {
    expect(readablePhone('Ada Lovelace', 'GB')).toBe('Ada Lovelace');
    expect(readablePhone('+1 415 555 0142', 'US')).toBe('+1 415 555 0142');
    expect(readablePhone('', 'US')).toBe('');
  });
});
