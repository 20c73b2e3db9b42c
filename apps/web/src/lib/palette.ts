/**
 * The command palette's ordering rules, kept pure so they are tested without a browser.
 */

export interface RankedHit {
  id: string;
  type: string;
  title: string;
}

const fold = (text: string) =>
  text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Search hits in the order a person expects: the contact (or anything) whose name is the
 * query itself first, then names that start with it, then names containing every word,
 * then the rest in the engine's order. Among equals, contacts before notes: a note that
 * mentions "Ada Lovelace" must not push Ada herself down.
 */
export function rankHits<T extends RankedHit>(hits: readonly T[], query: string): T[] {
  const q = fold(query);
  if (!q) return [...hits];
  const words = q.split(' ');
  const tier = (hit: T) => {
    const title = fold(hit.title);
    if (title === q) return 0;
    if (title.startsWith(q)) return 1;
    if (words.every((word) => title.includes(word))) return 2;
    return 3;
  };
  return hits
    .map((hit, index) => ({ hit, index, tier: tier(hit), person: hit.type === 'person' ? 0 : 1 }))
    .sort((a, b) => a.tier - b.tier || a.person - b.person || a.index - b.index)
    .map((entry) => entry.hit);
}

export interface PaletteCommand {
  id: string;
  label: string;
  /** Other words a person might type for it ("preferences" for Settings). */
  keywords?: readonly string[];
}

/** The commands whose label or keywords contain every word typed (prefixes count). */
export function matchCommands<T extends PaletteCommand>(commands: readonly T[], query: string): T[] {
  const words = fold(query).split(' ').filter(Boolean);
  if (words.length === 0) return [...commands];
  return commands.filter((command) => {
    const hay = fold([command.label, ...(command.keywords ?? [])].join(' '));
    return words.every((word) => hay.includes(word));
  });
}
