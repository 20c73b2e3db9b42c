import type { SearchDocument } from '../src/modules/search/engine/types.ts';

/**
 * A deterministic generator of realistic personal-hub documents (people, messages, notes,
 * calendar events): document i of a seed is always the same, so every engine in one run
 * (and every run) indexes identical data without holding it all in memory.
 */

export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const firstNames =
  `james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan joseph jessica thomas sarah charles karen christopher lisa daniel nancy matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle kenneth carol kevin amanda brian dorothy george melissa timothy deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela justin emma scott nicole brandon helen benjamin samantha samuel katherine gregory christine alexander debra frank rachel patrick carolyn raymond janet jack catherine dennis maria jerry heather tyler diane aaron ruth jose julie adam olivia nathan joyce henry virginia douglas victoria zachary kelly peter lauren kyle christina ethan joan walter evelyn noah judith jeremy megan christian andrea keith cheryl roger hannah terry jacqueline gerald martha harold gloria sean teresa austin ann carl sara arthur madison lawrence frances dylan kathryn jesse janice jordan jean bryan abigail billy alice joe judy bruce sophia gabriel grace logan denise albert amber willie doris alan marilyn juan danielle wayne beverly elijah isabella randy theresa roy diana vincent natalie ralph brittany eugene charlotte russell marie bobby kayla mason alexis philip lori louis aisha chidi oluwaseun priya rahul wei mei hiroshi yuki sven ingrid francois amelie giorgio chiara mateo lucia`.split(
    ' ',
  );

export const lastNames =
  `smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce hansen peters santos hart bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews ray berry perkins hoffman johnston matthews pena richards contreras willis carpenter lawrence sandoval okafor adeyemi sharma gupta zhang wang tanaka sato lindqvist eriksson dubois moreau rossi bianchi`.split(
    ' ',
  );

const companies =
  `acme globex initech umbrella hooli vandelay stark wayne wonka cyberdyne tyrell soylent massive dynamics oscorp aperture blackmesa monarch gringotts pied piper`.split(
    ' ',
  );
const cities =
  `london paris berlin madrid lisbon dublin amsterdam brussels vienna prague warsaw stockholm oslo copenhagen helsinki rome milan barcelona boston seattle denver austin chicago toronto montreal vancouver sydney melbourne auckland tokyo osaka seoul singapore mumbai bangalore nairobi lagos cairo`.split(
    ' ',
  );

/** Common English words of a personal inbox, most frequent first (Zipf-weighted below). */
const common =
  `the to and a of i you for in is on it that be this with we have are at will can your me my not do if just so but all get about what from our up out know let time see today tomorrow meeting call thanks please back good new week next day work home love great need could would there when one like send check think make sure going been some here more also dinner lunch coffee weekend morning evening tonight friday monday tuesday wednesday thursday saturday sunday pick kids school office project report deadline invoice payment bank account flight hotel trip holiday birthday party gift doctor dentist appointment car train bus station airport ticket booking order delivery package address phone number email message photo file document contract review draft plan budget team client customer update change reminder list shopping groceries milk bread eggs cheese wine beer pizza restaurant table reservation movie concert game match gym run walk park beach garden house flat rent landlord repair plumber electrician insurance tax return form passport visa renewal consulate embassy interview job offer salary bonus promotion manager colleague friend family mum dad brother sister son daughter wife husband partner baby dog cat vet`.split(
    ' ',
  );

const syllables =
  `ka lo mi ra ten sor vel dun pha qui bre sta mon lix ter van zu gor pel nis tra cor dex mal fen rin sul bar tok`.split(
    ' ',
  );

/** A long tail of rarer words (project code names, places, jargon): deterministic pseudo-words. */
const rare: string[] = (() => {
  const r = rng(7);
  const out = new Set<string>();
  while (out.size < 60_000) {
    const n = 2 + Math.floor(r() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += syllables[Math.floor(r() * syllables.length)];
    out.add(w);
  }
  return [...out];
})();

export const vocabulary = { common, rare, firstNames, lastNames, companies, cities };

function zipf(r: () => number, n: number) {
  // inverse-CDF approximation of a Zipf(1) rank in [0, n)
  return Math.min(n - 1, Math.floor(Math.exp(r() * Math.log(n + 1)) - 1));
}

function word(r: () => number) {
  return r() < 0.85 ? common[zipf(r, common.length)]! : rare[zipf(r, rare.length)]!;
}

function sentence(r: () => number, min: number, max: number) {
  const n = min + Math.floor(r() * (max - min + 1));
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.04) words.push(cap(firstNames[Math.floor(r() * firstNames.length)]!));
    else if (x < 0.05) words.push(cap(cities[Math.floor(r() * cities.length)]!));
    else words.push(word(r));
  }
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const MAIN_OWNER = '00000000-0000-7000-8000-000000000001';

export function ownerFor(i: number, mainCount: number): string {
  if (i < mainCount) return MAIN_OWNER;
  return `00000000-0000-7000-8000-${(1000 + (i % 50)).toString().padStart(12, '0')}`;
}

export function phoneFor(r: () => number) {
  const area = 200 + Math.floor(r() * 700);
  const line = Math.floor(r() * 10_000_000)
    .toString()
    .padStart(7, '0');
  return `+1${area}${line}`;
}

/** Phone digit forms the hub indexes for a number in E.164: full, national, local. */
export function phoneKeywords(e164: string): string[] {
  const digits = e164.replace(/\D/g, '');
  if (e164.startsWith('+1') && digits.length === 11) return [digits, digits.slice(1), digits.slice(4)];
  return [digits];
}

/** Document i of the data set (ids are stable: `d<i>`). */
export function generateDocument(i: number, mainCount: number): SearchDocument {
  const r = rng(i * 2654435761 + 12345);
  const ownerId = ownerFor(i, mainCount);
  const kind = r();
  const first = firstNames[zipf(r, firstNames.length)]!;
  const last = lastNames[zipf(r, lastNames.length)]!;
  const base = { id: `d${i}`, ownerId, version: 1, occurredAt: 1_600_000_000_000 + Math.floor(r() * 200_000_000_000) };
  if (kind < 0.1) {
    const phone = phoneFor(r);
    const company = companies[Math.floor(r() * companies.length)]!;
    return {
      ...base,
      type: 'person',
      title: `${cap(first)} ${cap(last)}`,
      body: `${cap(company)}, ${cap(cities[Math.floor(r() * cities.length)]!)}`,
      keywords: [`${first}.${last}@${company}.com`, ...phoneKeywords(phone)],
      source: r() < 0.5 ? 'msgraph' : 'twilio',
    };
  }
  if (kind < 0.65) {
    const sms = r() < 0.5;
    return {
      ...base,
      type: 'message',
      title: sms ? `SMS from ${cap(first)} ${cap(last)}` : sentence(r, 2, 6),
      body: sentence(r, sms ? 5 : 15, sms ? 25 : 60),
      keywords: [`${cap(first)} ${cap(last)}`],
      source: sms ? 'twilio' : 'msgraph',
    };
  }
  if (kind < 0.85) {
    return { ...base, type: 'note', title: sentence(r, 1, 5), body: sentence(r, 10, 80), keywords: [], source: null };
  }
  return {
    ...base,
    type: 'event',
    title: `${cap(word(r))} ${word(r)} with ${cap(first)}`,
    body: `${sentence(r, 3, 20)} at ${cap(cities[Math.floor(r() * cities.length)]!)}`,
    keywords: [`${cap(first)} ${cap(last)}`],
    source: 'msgraph',
  };
}

/** Query workloads of 1-3 words, exact, with one typo, and as-you-type prefixes. */
export function latencyQueries(count: number, seed = 99) {
  const r = rng(seed);
  const pickWord = () => {
    const x = r();
    if (x < 0.3) return firstNames[zipf(r, firstNames.length)]!;
    if (x < 0.5) return lastNames[zipf(r, lastNames.length)]!;
    return word(r);
  };
  const typo = (w: string) => {
    if (w.length < 5) return w;
    const at = 1 + Math.floor(r() * (w.length - 2));
    const kind = Math.floor(r() * 3);
    if (kind === 0) return w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2); // swap
    if (kind === 1) return w.slice(0, at) + w.slice(at + 1); // drop
    return w.slice(0, at) + 'xqz'[Math.floor(r() * 3)] + w.slice(at + 1); // replace
  };
  const make = (mode: 'exact' | 'typo' | 'prefix') =>
    Array.from({ length: count }, () => {
      const n = 1 + Math.floor(r() * 3);
      const words = Array.from({ length: n }, pickWord);
      if (mode === 'typo') {
        const j = Math.floor(r() * n);
        words[j] = typo(words[j]!);
      }
      if (mode === 'prefix') {
        const lastWord = words[n - 1]!;
        words[n - 1] = lastWord.slice(0, Math.min(lastWord.length, 2 + Math.floor(r() * 3)));
      }
      return words.join(' ');
    });
  return { exact: make('exact'), typo: make('typo'), prefix: make('prefix') };
}
