import { jaroWinkler } from '@skyra/jaro-winkler';
import { doubleMetaphone } from 'double-metaphone';
import { areNicknames, nameFamilies } from './identity.nicknames.ts';

/**
 * Pure identity matching (no I/O): a person's profile, the blocking keys that find its
 * candidates, and the score of a pair with the reasons a person can read. README.md
 * explains the weights; bench/identity.ts measures them.
 */

export interface PersonProfile {
  id: string;
  /** Display name (the entity's title). */
  name: string;
  givenName?: string | undefined;
  familyName?: string | undefined;
  nickname?: string | undefined;
  organization?: string | undefined;
  /** Normalised (lowercase) emails: identifiers and display copies. */
  emails: readonly string[];
  /** E.164 phones: identifiers and display copies that could be read. */
  phones: readonly string[];
}

export type MatchReason =
  | { code: 'same_email'; value: string }
  | { code: 'same_phone'; value: string }
  | { code: 'same_name' }
  | { code: 'similar_name'; similarity: number }
  | { code: 'nickname'; names: [string, string] }
  | { code: 'swapped_names' }
  | { code: 'same_organization'; value: string }
  | { code: 'different_organization' }
  | { code: 'different_phones' }
  | { code: 'different_emails' };

export interface MatchScore {
  /** 0..1; suggested from SUGGEST_THRESHOLD. */
  score: number;
  reasons: MatchReason[];
}

/** Pairs at or above this score become suggestions (tuned with bench/identity.ts). */
export const SUGGEST_THRESHOLD = 0.86;

/** Lowercase ASCII letters, diacritics folded ("Zoë Ångström" -> "zoe angstrom"). */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[øØ]/g, 'o')
    .replace(/[łŁ]/g, 'l')
    .replace(/[æÆ]/g, 'ae')
    .toLowerCase()
    .replace(/[^a-z0-9\s'-]/g, ' ')
    .replace(/['-]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const titles = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'sir', 'jr', 'sr', 'ii', 'iii', 'phd', 'md']);

/** Given and family name: from the properties when set, else read from the display name ("Last, First" too). */
export function nameParts(p: Pick<PersonProfile, 'name' | 'givenName' | 'familyName'>): {
  given: string;
  family: string;
} {
  if (p.givenName || p.familyName) return { given: fold(p.givenName ?? ''), family: fold(p.familyName ?? '') };
  // A person made for a sender is titled with its number or address: that is no name.
  if (p.name.includes('@') || /^[\s\d+().-]*$/.test(p.name)) return { given: '', family: '' };
  const comma = p.name.indexOf(',');
  const raw = comma > 0 ? `${p.name.slice(comma + 1)} ${p.name.slice(0, comma)}` : p.name;
  const tokens = fold(raw)
    .split(' ')
    .filter((t) => t && !titles.has(t) && !/^\d+$/.test(t));
  if (tokens.length === 0) return { given: '', family: '' };
  if (tokens.length === 1) return { given: tokens[0]!, family: '' };
  return { given: tokens[0]!, family: tokens[tokens.length - 1]! };
}

const orgNoise = /\b(inc|ltd|llc|plc|gmbh|sa|co|corp|corporation|company|limited|the)\b/g;
const foldOrg = (org: string | undefined) => (org ? fold(org).replace(orgNoise, '').replace(/\s+/g, ' ').trim() : '');

const phonetic = (token: string) => (token ? doubleMetaphone(token)[0] : '');

/**
 * Keys two likely duplicates share: each email and phone, and name keys that survive a
 * nickname, a typo in one of the names, swapped first and last names and diacritics.
 */
export function blockingKeys(p: PersonProfile): string[] {
  const keys = new Set<string>();
  for (const email of p.emails) keys.add(`e:${email}`);
  for (const phone of p.phones) keys.add(`p:${phone}`);
  const { given, family } = nameParts(p);
  if (given && family) {
    for (const [first, last] of [
      [given, family],
      [family, given],
    ] as const) {
      // Family name by sound + the given name's family initial: nicknames and given-name typos.
      for (const head of nameFamilies(first)) keys.add(`n:${phonetic(last)}:${head[0]}`);
      keys.add(`n:${phonetic(last)}:${first[0]}`);
      // Given name's family + family name's first two letters: family-name typos.
      for (const head of nameFamilies(first)) keys.add(`g:${head}:${last.slice(0, 2)}`);
    }
  } else if (given) {
    keys.add(`s:${given}`);
  }
  return [...keys];
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b: optimal string alignment. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * Similarity of two folded names: one slip of the keyboard in a name of 4+ letters is
 * 0.92, two in a long one 0.75; otherwise the lower of Jaro-Winkler and the edit ratio, so
 * two names that merely share a beginning ("Cottvel", "Cottthorp") stay apart.
 */
export function nameSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const d = editDistance(a, b);
  const shortest = Math.min(a.length, b.length);
  if (d === 1 && shortest >= 4) return 0.92;
  if (d === 2 && shortest >= 8) return 0.75;
  return Math.min(jaroWinkler(a, b), 1 - d / Math.max(a.length, b.length));
}

/** Similarity of two given names: 1 equal, 0.95 nicknames, 0.9 an initial, else nameSimilarity. */
function givenSimilarity(a: string, b: string): { value: number; nickname: boolean } {
  if (a === b) return { value: 1, nickname: false };
  if (areNicknames(a, b)) return { value: 0.95, nickname: true };
  // An initial ("J. Smith") agrees with any name that starts with it.
  if ((a.length === 1 && b.startsWith(a)) || (b.length === 1 && a.startsWith(b)))
    return { value: 0.9, nickname: false };
  return { value: nameSimilarity(a, b), nickname: false };
}

function nameScore(a: PersonProfile, b: PersonProfile) {
  const x = nameParts(a);
  const y = nameParts(b);
  if (!x.given || !y.given) return undefined;
  const pair = (gx: string, fx: string, gy: string, fy: string) => {
    const given = givenSimilarity(gx, gy);
    // A first name alone ("Luca") is too common to match on: only identifiers can pair it.
    const family = fx && fy ? nameSimilarity(fx, fy) : fx || fy ? 0.6 : 0.7;
    // The weaker of the two counts most: "John Smith" and "John Smythe-Jones" should not pass.
    const value = 0.35 * Math.max(given.value, family) + 0.65 * Math.min(given.value, family);
    return { value, nickname: given.nickname, given: [gx, gy] as [string, string] };
  };
  const straight = pair(x.given, x.family, y.given, y.family);
  const swapped = x.family && y.family ? pair(x.given, x.family, y.family, y.given) : undefined;
  if (swapped && swapped.value > straight.value + 0.02) return { ...swapped, swapped: true };
  return { ...straight, swapped: false };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Score of a pair: identifiers first, then names, adjusted by organisations and phones. */
export function scorePair(a: PersonProfile, b: PersonProfile): MatchScore {
  const reasons: MatchReason[] = [];
  const sharedEmail = a.emails.find((e) => b.emails.includes(e));
  const sharedPhone = a.phones.find((p) => b.phones.includes(p));
  if (sharedEmail) reasons.push({ code: 'same_email', value: sharedEmail });
  if (sharedPhone) reasons.push({ code: 'same_phone', value: sharedPhone });

  const names = nameScore(a, b);
  let score = 0;
  if (names) {
    score = names.value;
    if (names.swapped) reasons.push({ code: 'swapped_names' });
    if (names.value >= 0.999 && !names.swapped) reasons.push({ code: 'same_name' });
    else if (names.nickname) reasons.push({ code: 'nickname', names: names.given });
    if (names.value < 0.999 && !names.nickname) reasons.push({ code: 'similar_name', similarity: round(names.value) });
  }
  const orgA = foldOrg(a.organization);
  const orgB = foldOrg(b.organization);
  if (orgA && orgB) {
    if (orgA === orgB || jaroWinkler(orgA, orgB) >= 0.93) {
      score += 0.08;
      reasons.push({ code: 'same_organization', value: b.organization ?? a.organization ?? '' });
    } else {
      score -= 0.15;
      reasons.push({ code: 'different_organization' });
    }
  }
  // Two numbers each, none shared: a strong sign of two people with similar names.
  if (!sharedPhone && a.phones.length > 0 && b.phones.length > 0) {
    score -= 0.1;
    reasons.push({ code: 'different_phones' });
  }
  if (!sharedEmail && a.emails.length > 0 && b.emails.length > 0) {
    score -= 0.1;
    reasons.push({ code: 'different_emails' });
  }
  // A shared email or number is near-certain whatever the names say (a typed duplicate).
  if (sharedEmail) score = Math.max(score, 0.97, names ? 0.9 + names.value / 10 : 0);
  if (sharedPhone) score = Math.max(score, 0.95, names ? 0.88 + names.value / 10 : 0);
  return { score: round(Math.min(1, Math.max(0, score))), reasons };
}

/** The suggestions for one person among its candidates, best first. */
export function bestMatches(
  person: PersonProfile,
  candidates: readonly PersonProfile[],
  threshold = SUGGEST_THRESHOLD,
): { other: PersonProfile; score: number; reasons: MatchReason[] }[] {
  const out: { other: PersonProfile; score: number; reasons: MatchReason[] }[] = [];
  for (const other of candidates) {
    if (other.id === person.id) continue;
    const { score, reasons } = scorePair(person, other);
    if (score >= threshold) out.push({ other, score, reasons });
  }
  return out.sort((x, y) => y.score - x.score);
}
