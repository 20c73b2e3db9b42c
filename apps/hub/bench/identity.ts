/**
 * Identity resolution evaluation (issue 17): a generated address book of 5,000 people,
 * some of whom appear twice (a typo, a nickname, swapped first and last names, dropped
 * diacritics, a number written nationally instead of internationally, the same email with
 * another name), run through the matcher the hub uses (identity.scoring.ts: blocking keys,
 * then the pair score), against a baseline that pairs only people sharing an exact email or
 * E.164 number. Prints precision and recall of both. Deterministic (seeded).
 *
 * Goal: precision >= 0.95 and recall >= 0.8.
 */
import { normalizePhone } from '@made-open/shared';
import { blockingKeys, bestMatches, type PersonProfile } from '../src/modules/identity/identity.scoring.ts';

const PEOPLE = 5_000;
const DUPLICATE_SHARE = 0.12;
const REGION = 'GB' as const;

// mulberry32: a small seeded generator, so every run builds the same book.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(17);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const given = [
  'Robert',
  'William',
  'Richard',
  'James',
  'John',
  'Michael',
  'Thomas',
  'Christopher',
  'Daniel',
  'Matthew',
  'Anthony',
  'Joseph',
  'Charles',
  'David',
  'Edward',
  'Andrew',
  'Alexander',
  'Benjamin',
  'Samuel',
  'Nicholas',
  'Patrick',
  'Peter',
  'Stephen',
  'Timothy',
  'Gregory',
  'Kenneth',
  'Lawrence',
  'Ronald',
  'Donald',
  'Philip',
  'Elizabeth',
  'Margaret',
  'Katherine',
  'Jennifer',
  'Jessica',
  'Rebecca',
  'Deborah',
  'Susan',
  'Barbara',
  'Victoria',
  'Abigail',
  'Amanda',
  'Caroline',
  'Eleanor',
  'Frances',
  'Isabella',
  'Jacqueline',
  'Judith',
  'Louise',
  'Mary',
  'Melissa',
  'Pamela',
  'Sarah',
  'Theresa',
  'Valerie',
  'Natalie',
  'Olivia',
  'Oliver',
  'Sebastian',
  'Zoë',
  'Amélie',
  'Chloé',
  'José',
  'Søren',
  'Björn',
  'Agnès',
  'Hélène',
  'Noémie',
  'Raúl',
  'Iñaki',
  'Aisha',
  'Priya',
  'Ravi',
  'Arjun',
  'Mei',
  'Wei',
  'Hiroshi',
  'Yuki',
  'Kwame',
  'Amara',
  'Fatima',
  'Omar',
  'Leila',
  'Tariq',
  'Ngozi',
  'Chidi',
  'Ingrid',
  'Lars',
  'Freya',
  'Mateo',
  'Lucia',
  'Diego',
  'Elena',
  'Marco',
  'Giulia',
  'Luca',
  'Sofia',
  'Hannah',
  'Ethan',
  'Grace',
];
const syllables = [
  'ash',
  'ber',
  'wood',
  'ley',
  'ton',
  'mar',
  'ford',
  'hill',
  'kin',
  'son',
  'dal',
  'rich',
  'wick',
  'brook',
  'fer',
  'gus',
  'hol',
  'man',
  'nor',
  'ris',
  'stan',
  'thorp',
  'vel',
  'win',
  'cott',
  'ell',
  'gar',
  'ham',
  'ing',
  'lock',
  'more',
  'pen',
  'quin',
  'rad',
  'sel',
  'tal',
  'und',
  'vor',
  'bright',
  'cole',
];
const specialFamilies = [
  'Müller',
  'Núñez',
  'García',
  'Ångström',
  'Dvořák',
  'Łukasz',
  'Ó Briain',
  'Gómez',
  'Sánchez',
  'Kovač',
];
// Surnames made of two or three syllables: thousands of distinct names, as in a real book.
function family(): string {
  if (random() < 0.04) return pick(specialFamilies);
  const n = random() < 0.7 ? 2 : 3;
  let s = '';
  for (let i = 0; i < n; i++) s += pick(syllables);
  return s[0]!.toUpperCase() + s.slice(1);
}
const orgs = [
  'Acme Ltd',
  'Globex',
  'Initech',
  'Umbrella plc',
  'Stark Industries',
  'Wayne Enterprises',
  'Hooli',
  'Vandelay Industries',
  'Soylent Corp',
  'Tyrell Corporation',
  'Cyberdyne',
  'Wonka',
  'Aperture',
  'Massive Dynamic',
];
const nick: Record<string, string[]> = {
  Robert: ['Bob', 'Rob', 'Bobby'],
  William: ['Bill', 'Will'],
  Richard: ['Rick', 'Dick'],
  James: ['Jim', 'Jimmy'],
  John: ['Jack', 'Johnny'],
  Michael: ['Mike', 'Mick'],
  Thomas: ['Tom'],
  Christopher: ['Chris'],
  Daniel: ['Dan'],
  Matthew: ['Matt'],
  Anthony: ['Tony'],
  Joseph: ['Joe'],
  Charles: ['Charlie', 'Chuck'],
  David: ['Dave'],
  Edward: ['Ed', 'Ted'],
  Andrew: ['Andy', 'Drew'],
  Alexander: ['Alex'],
  Benjamin: ['Ben'],
  Samuel: ['Sam'],
  Nicholas: ['Nick'],
  Patrick: ['Pat'],
  Peter: ['Pete'],
  Stephen: ['Steve'],
  Timothy: ['Tim'],
  Gregory: ['Greg'],
  Kenneth: ['Ken'],
  Lawrence: ['Larry'],
  Ronald: ['Ron'],
  Donald: ['Don'],
  Philip: ['Phil'],
  Elizabeth: ['Liz', 'Beth'],
  Margaret: ['Maggie', 'Peggy'],
  Katherine: ['Kate', 'Katie'],
  Jennifer: ['Jen', 'Jenny'],
  Jessica: ['Jess'],
  Rebecca: ['Becky'],
  Deborah: ['Debbie'],
  Susan: ['Sue'],
  Barbara: ['Barb'],
  Victoria: ['Vicky'],
  Abigail: ['Abby'],
  Amanda: ['Mandy'],
  Caroline: ['Carrie'],
  Eleanor: ['Ellie'],
  Frances: ['Fran'],
  Isabella: ['Bella'],
  Jacqueline: ['Jackie'],
  Judith: ['Judy'],
  Louise: ['Lou'],
  Mary: ['Molly'],
  Melissa: ['Mel'],
  Pamela: ['Pam'],
  Sarah: ['Sally'],
  Theresa: ['Tess'],
  Valerie: ['Val'],
  Natalie: ['Nat'],
  Olivia: ['Liv'],
  Oliver: ['Ollie'],
  Sebastian: ['Seb'],
};

interface Card {
  id: string;
  given: string;
  family: string;
  organization?: string;
  emails: string[];
  /** As typed: national or international. */
  phones: string[];
  /** The card this one duplicates (ground truth). */
  of?: string;
}

const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ø/g, 'o')
    .replace(/Ł/g, 'L');
function typo(word: string): string {
  const i = 1 + Math.floor(random() * (word.length - 2));
  const kind = random();
  if (kind < 0.34) return word.slice(0, i) + word.slice(i + 1); // dropped letter
  if (kind < 0.67) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2); // transposed
  return word.slice(0, i) + pick(['a', 'e', 'i', 'o', 'n', 'r']) + word.slice(i + 1); // wrong letter
}
let numberSeq = 0;
const mobile = () => `07${String(700_000_000 + ((numberSeq++ * 7_919) % 299_999_999)).padStart(9, '0')}`;
const international = (national: string) => `+44 ${national.slice(1, 5)} ${national.slice(5)}`;

// Distinct people get distinct names and addresses here, so every pair the truth does not
// list really is two people (near-misses such as Leyman and Leymar remain).
const cards: Card[] = [];
const usedNames = new Set<string>();
for (let i = 0; i < PEOPLE; i++) {
  let g = pick(given);
  let f = family();
  while (usedNames.has(ascii(`${g} ${f}`).toLowerCase())) {
    g = pick(given);
    f = family();
  }
  usedNames.add(ascii(`${g} ${f}`).toLowerCase());
  const handle = `${ascii(g).toLowerCase()}.${ascii(f).toLowerCase().replace(/\s/g, '')}${i % 7 === 0 ? i : ''}`;
  cards.push({
    id: `c${i}`,
    given: g,
    family: f,
    organization: random() < 0.4 ? pick(orgs) : undefined,
    emails: random() < 0.75 ? [`${handle}@${pick(['mail.test', 'post.test', 'inbox.test'])}`] : [],
    phones: random() < 0.8 ? [mobile()] : [],
  });
}

// Duplicates: a second card for some people, as another source or a hurried hand would write it.
// 'moved' is the hard case: a nickname, a typo in the family name and a new number, nothing
// shared; the matcher is expected to miss most of them (a person would hesitate too).
const variants = ['typo', 'nickname', 'swapped', 'diacritics', 'national', 'email', 'typo+org', 'moved'] as const;
const originals = cards.slice();
for (let n = 0; n < PEOPLE * DUPLICATE_SHARE; n++) {
  const base = originals[Math.floor(random() * originals.length)]!;
  if (cards.some((c) => c.of === base.id)) continue;
  const variant = pick(variants);
  const copy: Card = { id: `d${n}`, of: base.id, given: base.given, family: base.family, emails: [], phones: [] };
  // Most carry one identifier of the original, written differently; some carry none.
  const phone = base.phones[0];
  const email = base.emails[0];
  switch (variant) {
    case 'typo':
      copy.family = typo(base.family);
      if (phone) copy.phones = [international(phone)];
      break;
    case 'nickname':
      copy.given = pick(nick[base.given] ?? [base.given]);
      if (random() < 0.5 && email) copy.emails = [email.toUpperCase()];
      copy.organization = base.organization;
      break;
    case 'swapped':
      copy.given = base.family;
      copy.family = base.given;
      if (phone && random() < 0.5) copy.phones = [phone];
      break;
    case 'diacritics':
      copy.given = ascii(base.given);
      copy.family = ascii(base.family);
      break;
    case 'national':
      if (phone) copy.phones = [phone.replace(/^0/, '+44')];
      copy.given = base.given[0]!;
      break;
    case 'email':
      // A sender known only by a first name and an address or number.
      copy.given = pick(nick[base.given] ?? [base.given]);
      copy.family = '';
      if (email) copy.emails = [email];
      else if (phone) copy.phones = [phone];
      else copy.family = base.family;
      break;
    case 'moved':
      copy.given = pick(nick[base.given] ?? [base.given]);
      copy.family = typo(base.family);
      copy.phones = [mobile()];
      break;
    case 'typo+org':
      copy.given = typo(base.given);
      copy.organization = base.organization ?? pick(orgs);
      base.organization = copy.organization;
      break;
  }
  cards.push(copy);
}

const profileOf = (c: Card): PersonProfile => ({
  id: c.id,
  name: `${c.given} ${c.family}`.trim(),
  givenName: c.given,
  familyName: c.family || undefined,
  organization: c.organization,
  emails: c.emails.map((e) => e.trim().toLowerCase()),
  phones: c.phones.map((p) => normalizePhone(p, { defaultCountry: REGION })).filter((p): p is string => p !== null),
});

const truth = new Set(cards.filter((c) => c.of).map((c) => [c.of!, c.id].sort().join('|')));
const pairKey = (a: string, b: string) => [a, b].sort().join('|');

function evaluate(found: Set<string>) {
  let tp = 0;
  for (const pair of found) if (truth.has(pair)) tp++;
  return { found: found.size, precision: found.size ? tp / found.size : 1, recall: tp / truth.size };
}

// Baseline: exact identifiers only.
const started = performance.now();
const profiles = cards.map(profileOf);
const byIdentifier = new Map<string, string[]>();
for (const p of profiles) {
  for (const k of [...p.emails.map((e) => `e:${e}`), ...p.phones.map((x) => `p:${x}`)]) {
    byIdentifier.set(k, [...(byIdentifier.get(k) ?? []), p.id]);
  }
}
const baseline = new Set<string>();
for (const ids of byIdentifier.values()) {
  for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) baseline.add(pairKey(ids[i]!, ids[j]!));
}

// The matcher, as the hub's consumer runs it: each person meets the candidates sharing a key.
const matchStarted = performance.now();
const byKey = new Map<string, PersonProfile[]>();
const suggestions = new Set<string>();
let compared = 0;
for (const p of profiles) {
  const candidates = new Map<string, PersonProfile>();
  for (const key of blockingKeys(p)) {
    for (const other of byKey.get(key) ?? []) candidates.set(other.id, other);
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  compared += candidates.size;
  for (const m of bestMatches(p, [...candidates.values()])) suggestions.add(pairKey(p.id, m.other.id));
}
const matchMs = performance.now() - matchStarted;

const b = evaluate(baseline);
const s = evaluate(suggestions);
const fmt = (n: number) => n.toFixed(3);
console.log(
  `address book: ${cards.length} cards (${PEOPLE} people, ${truth.size} known duplicate pairs), region ${REGION}, seed 17`,
);
console.log(`exact identifiers (baseline): ${b.found} pairs, precision ${fmt(b.precision)}, recall ${fmt(b.recall)}`);
console.log(
  `identity matcher:             ${s.found} pairs, precision ${fmt(s.precision)}, recall ${fmt(s.recall)}` +
    `  (goal precision >= 0.95, recall >= 0.8: ${s.precision >= 0.95 && s.recall >= 0.8 ? 'met' : 'NOT met'})`,
);
console.log(
  `matching: ${compared} pairs scored (${(compared / cards.length).toFixed(1)} per card), ${matchMs.toFixed(0)} ms; whole run ${(performance.now() - started).toFixed(0)} ms`,
);
if (process.argv.includes('--misses')) {
  const byId = new Map(cards.map((c) => [c.id, c]));
  const show = (pair: string) =>
    pair
      .split('|')
      .map((id) => {
        const c = byId.get(id)!;
        return `${c.given} ${c.family} [${c.organization ?? ''}] ${c.emails} ${c.phones}`;
      })
      .join('  <->  ');
  for (const pair of truth) if (!suggestions.has(pair)) console.log('miss', show(pair));
  for (const pair of suggestions) if (!truth.has(pair)) console.log('false', show(pair));
}
if (s.precision < 0.95 || s.recall < 0.8) process.exitCode = 1;
