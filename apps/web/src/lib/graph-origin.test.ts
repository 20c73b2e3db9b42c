import { describe, expect, it } from 'vitest';
import { canSaveToOutlook, originOf } from './graph-origin';

describe('canSaveToOutlook', () => {
  it('offers it for persons made in the hub or made by the mail sync for a sender', () => {
    expect(canSaveToOutlook({ type: 'person', source: null, origin: 'hub' })).toBe(true);
    expect(canSaveToOutlook({ type: 'person', source: 'msgraph', origin: 'address' })).toBe(true);
  });

  it('does not offer it for an Outlook contact (or another source’s record), nor for other types', () => {
    expect(canSaveToOutlook({ type: 'person', source: 'msgraph', origin: 'source' })).toBe(false);
    expect(canSaveToOutlook({ type: 'person', source: 'carddav', origin: 'source' })).toBe(false);
    expect(canSaveToOutlook({ type: 'organization', source: null, origin: 'hub' })).toBe(false);
  });

  it('reads a hub without origin (or with one it does not know) by its source alone, as before', () => {
    expect(originOf({ source: null })).toBe('hub');
    expect(originOf({ source: 'msgraph' })).toBe('source');
    expect(originOf({ source: 'msgraph', origin: 'someday' })).toBe('source');
    expect(canSaveToOutlook({ type: 'person', source: 'msgraph' })).toBe(false);
    expect(canSaveToOutlook({ type: 'person', source: null })).toBe(true);
  });
});
