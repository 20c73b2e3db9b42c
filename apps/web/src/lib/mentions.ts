import { mentionToken, parseMentions } from '@made-open/shared/mentions';

/**
 * Mentions as the note editor shows them. Stored, a mention is `@[Name](person:<id>)`; in the
 * text box it is `@[Name]` (no id to trip over), with a name -> id map kept beside the text.
 * Names come from the person now (their links), so a renamed contact reads as renamed.
 */
export type MentionMap = Map<string, string>;

/** Stored body -> what the text box shows, with the map back to ids. */
export function toEditable(body: string, currentNames: ReadonlyMap<string, string>): { text: string; map: MentionMap } {
  const map: MentionMap = new Map();
  let text = '';
  let at = 0;
  for (const mention of parseMentions(body)) {
    const name = currentNames.get(mention.personId) ?? mention.label;
    const label = clean(name);
    if (!map.has(label)) map.set(label, mention.personId);
    text += `${body.slice(at, mention.start)}@[${label}]`;
    at = mention.end;
  }
  return { text: text + body.slice(at), map };
}

/** What the text box shows -> the body to store: every `@[Name]` the map knows gets its id. */
export function toStored(text: string, map: ReadonlyMap<string, string>): string {
  return text.replace(/@\[([^\]\n]{1,200})\](?!\(person:)/g, (whole, label: string) => {
    const id = map.get(label);
    return id ? mentionToken(label, id) : whole;
  });
}

/** A body as plain text: `@Name`, with the person's current name when known. */
export function plainMentions(body: string, currentNames?: ReadonlyMap<string, string>): string {
  let text = '';
  let at = 0;
  for (const mention of parseMentions(body)) {
    text += `${body.slice(at, mention.start)}@${currentNames?.get(mention.personId) ?? mention.label}`;
    at = mention.end;
  }
  return text + body.slice(at);
}

/** The label as a token can hold it. */
export const clean = (name: string) =>
  name
    .replace(/[[\]\n\r]/g, ' ')
    .trim()
    .slice(0, 200) || 'someone';

/**
 * The mention being typed at the caret: `@` at the start of a word, then up to 40
 * characters (a first and last name) without brackets or a new line.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|[\s(])@([^\s@[\]][^@[\]\n]{0,39})?$/.exec(before);
  if (!match) return null;
  const query = match[2] ?? '';
  if (/\s{2}|\s\S+\s/.test(query)) return null; // at most two words
  return { start: caret - query.length - 1, query };
}
