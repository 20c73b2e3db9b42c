import { describe, expect, it } from 'vitest';
import { CALENDAR_VIEW_KEY, preferredView, rememberView } from './view-preference';

const storageWith = (value: string | null) => ({
  getItem: (key: string) => (key === CALENDAR_VIEW_KEY ? value : null),
});

describe('the calendar view a visit without ?view= opens', () => {
  it('is the last one used in this browser', () => {
    expect(preferredView({ storage: storageWith('month'), isPhone: true })).toBe('month');
    expect(preferredView({ storage: storageWith('day'), isPhone: false })).toBe('day');
  });

  it('is the agenda on a phone and the week elsewhere when none was used, or the stored one is unknown', () => {
    expect(preferredView({ storage: storageWith(null), isPhone: true })).toBe('agenda');
    expect(preferredView({ storage: storageWith(null), isPhone: false })).toBe('week');
    expect(preferredView({ storage: storageWith('year'), isPhone: false })).toBe('week');
  });

  it('falls back to the default when storage is refused, and remembering then changes nothing', () => {
    const refusing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(preferredView({ storage: refusing, isPhone: true })).toBe('agenda');
    expect(() => rememberView('day', refusing)).not.toThrow();
  });

  it('remembers the view chosen', () => {
    const kept = new Map<string, string>();
    rememberView('month', { setItem: (key, value) => void kept.set(key, value) });
    expect(kept.get(CALENDAR_VIEW_KEY)).toBe('month');
  });
});
