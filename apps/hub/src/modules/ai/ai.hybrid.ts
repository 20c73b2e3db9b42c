/**
 * Pure parts of hybrid retrieval (issue 15 §4): reciprocal rank fusion of the keyword and
 * vector rankings, and the filters a question states in words ("last week", "calls",
 * "from Ada").
 */

/** RRF's damping constant (Cormack et al. 2009; what Elastic, OpenSearch and pgvector examples use). */
export const RRF_K = 60;

/** Fuses rankings: score(id) = Σ 1 / (k + rank), rank from 1; ties keep the first list's order. */
export function reciprocalRankFusion(rankings: readonly (readonly string[])[], k = RRF_K): string[] {
  const scores = new Map<string, { score: number; first: number }>();
  let seen = 0;
  for (const ranking of rankings) {
    ranking.forEach((id, index) => {
      const entry = scores.get(id) ?? { score: 0, first: seen++ };
      entry.score += 1 / (k + index + 1);
      scores.set(id, entry);
    });
  }
  return [...scores.entries()].sort(([, a], [, b]) => b.score - a.score || a.first - b.first).map(([id]) => id);
}

export interface QuestionFilters {
  types?: string[];
  /** Inclusive lower and exclusive upper bound on when the thing happened. */
  after?: Date;
  before?: Date;
  /** A name after "from", "with" or "by" ("from Ada Lovelace"), to be matched to a person. */
  person?: string;
  /**
   * Other capitalised names in the question ("What did Ada Lovelace text me?", "Ada's
   * birthday"), to be matched against the owner's people (a dictionary beats guessing).
   */
  names: string[];
  /** The question without the words that only stated filters. */
  rest: string;
}

/**
 * Type nouns count as a filter only after a determiner ("my calls", "the email", "in her
 * notes"), so a verb ("call the plumber") or a word inside a topic does not narrow the search.
 */
const DETERMINER = String.raw`\b(?:my|the|a|an|any|all|which|what|her|his|their|our|your|recent|latest|those|these)\s+`;
const typeWords: readonly [RegExp, string][] = [
  [/(messages?|texts?|sms|e-?mails?|mails?|chats?)\b/, 'message'],
  [/(calls?|phone calls?|voicemails?)\b/, 'call'],
  [/(meetings?|events?|appointments?)\b/, 'calendar_event'],
  [/(notes?)\b/, 'note'],
  [/(tasks?|to-?dos?|reminders?)\b/, 'task'],
  [/(files?|documents?|attachments?)\b/, 'file'],
].map(([noun, type]) => [new RegExp(DETERMINER + (noun as RegExp).source, 'i'), type as string] as const);

const DAY = 86_400_000;

function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Monday 00:00 UTC of the week holding `d` (ISO weeks). */
function startOfWeek(d: Date): Date {
  const day = startOfDay(d);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
}

/** Time phrases, each giving [after, before) relative to now (UTC calendar). */
const timePhrases: readonly [RegExp, (now: Date, match: RegExpMatchArray) => [Date, Date]][] = [
  [/\btoday\b/i, (now) => [startOfDay(now), new Date(startOfDay(now).getTime() + DAY)]],
  [/\byesterday\b/i, (now) => [new Date(startOfDay(now).getTime() - DAY), startOfDay(now)]],
  [/\bthis week\b/i, (now) => [startOfWeek(now), new Date(startOfWeek(now).getTime() + 7 * DAY)]],
  [/\blast week\b/i, (now) => [new Date(startOfWeek(now).getTime() - 7 * DAY), startOfWeek(now)]],
  [
    /\b(?:in the )?(?:last|past) (\d{1,3}) days\b/i,
    (now, m) => [new Date(startOfDay(now).getTime() - Number(m[1]) * DAY), new Date(startOfDay(now).getTime() + DAY)],
  ],
  [
    /\bthis month\b/i,
    (now) => [
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
    ],
  ],
  [
    /\blast month\b/i,
    (now) => [
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)),
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    ],
  ],
  [
    /\bthis year\b/i,
    (now) => [new Date(Date.UTC(now.getUTCFullYear(), 0, 1)), new Date(Date.UTC(now.getUTCFullYear() + 1, 0, 1))],
  ],
  [
    /\blast year\b/i,
    (now) => [new Date(Date.UTC(now.getUTCFullYear() - 1, 0, 1)), new Date(Date.UTC(now.getUTCFullYear(), 0, 1))],
  ],
];

/** "from Ada", "with Ada Lovelace", "by Grace": one or two capitalised words. */
const PERSON = /\b(?:from|with|by)\s+(\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)?)/u;

/** Capitalised words that start questions, not names. */
const NOT_NAMES = new Set(
  `what where when who whom whose which why how is are was were did do does can could should would will
  show find list tell give any my the a an i in on at from with by about last this`.split(/\s+/),
);
const NAME = /\p{Lu}[\p{Ll}'-]+(?:\s+\p{Lu}[\p{Ll}'-]+)?/gu;

export function parseQuestionFilters(question: string, now: Date): QuestionFilters {
  let rest = question;
  const filters: QuestionFilters = { rest, names: [] };
  for (const [pattern, range] of timePhrases) {
    const match = rest.match(pattern);
    if (!match) continue;
    [filters.after, filters.before] = range(now, match);
    rest = rest.replace(pattern, ' ');
    break;
  }
  const types = typeWords.filter(([pattern]) => pattern.test(rest)).map(([, type]) => type);
  if (types.length > 0) filters.types = types;
  const person = rest.match(PERSON);
  if (person) filters.person = person[1]!;
  for (const match of rest.matchAll(NAME)) {
    const words = match[0]
      .replace(/'s$/u, '')
      .split(/\s+/)
      .filter((w) => !NOT_NAMES.has(w.toLowerCase()));
    if (words.length > 0 && words.join(' ') !== filters.person) filters.names.push(words.join(' '));
  }
  filters.rest = rest.replace(/\s+/g, ' ').trim();
  return filters;
}
