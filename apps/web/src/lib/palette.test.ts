import { describe, expect, it } from 'vitest';
import { matchCommands, rankHits } from '@/lib/palette';

describe('rankHits', () => {
  const note = { id: 'n1', type: 'note', title: 'Lunch with Ada Lovelace' };
  const ada = { id: 'p1', type: 'person', title: 'Ada Lovelace' };
  const adam = { id: 'p2', type: 'person', title: 'Adam Smith' };

  it('puts the exact contact above a note that mentions it', () => {
    expect(rankHits([note, adam, ada], 'ada lovelace').map((h) => h.id)).toEqual(['p1', 'n1', 'p2']);
  });

  it('ignores case, accents and spacing, and keeps the engine order among equals', () => {
    const zoe = { id: 'p3', type: 'person', title: 'Zoé  Martin' };
    expect(rankHits([note, zoe], 'zoe martin')[0]).toBe(zoe);
    expect(rankHits([adam, ada], 'ad').map((h) => h.id)).toEqual(['p2', 'p1']);
    expect(rankHits([note, ada], '   ')).toEqual([note, ada]);
  });
});

describe('matchCommands', () => {
  const commands = [
    { id: 'contacts', label: 'Contacts' },
    { id: 'settings', label: 'Settings', keywords: ['account', 'password'] },
    { id: 'theme', label: 'Switch to dark theme', keywords: ['appearance'] },
  ];

  it('filters by the query: "settings" shows the Settings command', () => {
    expect(matchCommands(commands, 'settings').map((c) => c.id)).toEqual(['settings']);
    expect(matchCommands(commands, 'SETT').map((c) => c.id)).toEqual(['settings']);
    expect(matchCommands(commands, 'password').map((c) => c.id)).toEqual(['settings']);
    expect(matchCommands(commands, 'dark theme').map((c) => c.id)).toEqual(['theme']);
  });

  it('shows every command for an empty query and none for a stranger', () => {
    expect(matchCommands(commands, '')).toHaveLength(3);
    expect(matchCommands(commands, 'zebra')).toEqual([]);
  });
});
