/**
 * Mentions in notes (issue 17 §3). Pure and dependency-free, so the web app's editor can
 * import it without the phone-number library.
 */

// Mentions. A note's body names a person as `@[Ada Lovelace](person:<uuid>)`: the id is what
// counts (the note gets a `mentions` link to it), the label is only the name when written,
// so readers show the person's current name instead.

const mentionPattern =
  /@\[([^\]\n]{1,200})\]\(person:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)/g;

export interface Mention {
  label: string;
  personId: string;
  /** Where the token starts and ends in the text. */
  start: number;
  end: number;
}

/** Every mention token in `text`, in order. */
export function parseMentions(text: string): Mention[] {
  const found: Mention[] = [];
  for (const match of text.matchAll(mentionPattern)) {
    found.push({
      label: match[1]!,
      personId: match[2]!.toLowerCase(),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return found;
}

/** The distinct person ids `text` mentions. */
export const mentionedPersonIds = (text: string): string[] => [...new Set(parseMentions(text).map((m) => m.personId))];

/** The token for a person: brackets and newlines in the label are dropped (they would end it). */
export function mentionToken(label: string, personId: string): string {
  const clean =
    label
      .replace(/[[\]\n\r]/g, ' ')
      .trim()
      .slice(0, 200) || 'someone';
  return `@[${clean}](person:${personId})`;
}
