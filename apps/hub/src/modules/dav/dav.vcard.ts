import type { PersonProperties, PostalAddress } from '@made-open/shared';
import { escapeText, fold, splitStructured, unescapeText } from '../portability/formats/content-line.ts';
import {
  ComponentError,
  contentLine as line,
  parseComponents,
  parseKeptLines,
  type KeptProperty as ContentLine,
} from '../portability/formats/components.ts';
import { vcardDate } from '../portability/formats/vcard.ts';

/**
 * Person ⇄ vCard (RFC 6350 4.0, RFC 2426 3.0) for CardDAV. What the contact model holds is
 * mapped both ways; every other line (PHOTO, IMPP, X-ABLabel, X-SOCIALPROFILE ...) is kept
 * verbatim in `extra` and written back, so a phone's edit survives a round trip.
 */

export type VCardVersion = '3.0' | '4.0';

export interface ContactFields {
  uid: string;
  title: string;
  /** The mapped person properties (keys the vCard can express). */
  properties: PersonProperties;
  /** Unmapped lines, unfolded, joined with \n. */
  extra: string;
}

/** Person properties a vCard carries; the rest (photo, tags, stayInTouchWeeks ...) stay as the hub has them. */
export const vcardPropertyKeys = [
  'givenName',
  'familyName',
  'additionalName',
  'nickname',
  'birthday',
  'anniversaries',
  'organization',
  'department',
  'jobTitle',
  'notes',
  'emails',
  'phones',
  'urls',
  'addresses',
  'groups',
] as const satisfies readonly (keyof PersonProperties)[];

const mapped = new Set(['VERSION', 'PRODID', 'UID', 'FN', 'N', 'NICKNAME', 'BDAY', 'ANNIVERSARY', 'ORG', 'TITLE']);
for (const name of ['NOTE', 'EMAIL', 'TEL', 'URL', 'ADR', 'CATEGORIES', 'REV', 'KIND']) mapped.add(name);

export class VCardError extends Error {}

const clip = (value: string, max: number) => value.slice(0, max);
const nonEmpty = (value: string | undefined) => (value !== undefined && value.trim() !== '' ? value.trim() : undefined);

/** `1990-04-23`, `19900423`, `--0423`, `--04-23`, iOS's `1604-04-23` with X-APPLE-OMIT-YEAR → the model's form. */
export function parseVCardDate(value: string, omitYear?: string): string | undefined {
  const date = vcardDate(value.trim().split('T')[0]!);
  if (date === null) return undefined;
  if (omitYear !== undefined && date.slice(0, 4) === omitYear) return `--${date.slice(5)}`;
  return date;
}

function renderDate(name: string, date: string, version: VCardVersion): string {
  const noYear = /^--(\d{2})-(\d{2})$/.exec(date);
  if (version === '4.0') return line(name, noYear ? `--${noYear[1]}${noYear[2]}` : date.replace(/-/g, ''));
  // vCard 3.0 has no year-less date: Apple's convention, which iOS and macOS read.
  if (noYear) return line(name, `1604-${noYear[1]}-${noYear[2]}`, { 'X-APPLE-OMIT-YEAR': '1604' });
  return line(name, date);
}

const typesOf = (l: ContentLine) =>
  (l.params.TYPE ?? []).flatMap((t) => t.split(',')).map((t) => t.toLowerCase().trim());

/** Parses one vCard (3.0 or 4.0). Lines the model does not hold go to `extra`. */
export function parseVCard(text: string): ContactFields {
  let components;
  try {
    components = parseComponents(text);
  } catch (error) {
    if (error instanceof ComponentError) throw new VCardError(`Not a vCard: ${error.message}.`);
    throw error;
  }
  const cards = components.filter((c) => c.name === 'VCARD');
  if (cards.length !== 1 || components.length !== 1)
    throw new VCardError('A CardDAV resource holds exactly one vCard.');
  const card = cards[0]!;
  const get = (name: string) => card.properties.find((p) => p.name === name);
  const all = (name: string) => card.properties.filter((p) => p.name === name);
  const version = get('VERSION')?.value.trim();
  if (version !== '3.0' && version !== '4.0') throw new VCardError('Only vCard 3.0 and 4.0 are accepted.');
  const uid = nonEmpty(unescapeText(get('UID')?.value ?? ''));
  if (!uid) throw new VCardError('The vCard has no UID.');

  const properties: PersonProperties = {};
  const n = get('N');
  if (n) {
    const [family, given, additional] = splitStructured(n.value);
    if (nonEmpty(family)) properties.familyName = clip(family!.trim(), 200);
    if (nonEmpty(given)) properties.givenName = clip(given!.trim(), 200);
    if (nonEmpty(additional)) properties.additionalName = clip(additional!.trim(), 200);
  }
  const nickname = nonEmpty(splitStructured(get('NICKNAME')?.value ?? '', ',')[0]);
  if (nickname) properties.nickname = clip(nickname, 200);
  const bday = get('BDAY');
  if (bday) {
    const date = parseVCardDate(bday.value, bday.params['X-APPLE-OMIT-YEAR']?.[0]);
    if (date) properties.birthday = date;
  }
  const anniversaries = all('ANNIVERSARY')
    .map((a) => parseVCardDate(a.value))
    .filter((d): d is string => d !== undefined)
    .map((date) => ({ label: 'Anniversary', date }));
  if (anniversaries.length > 0) properties.anniversaries = anniversaries.slice(0, 20);
  const org = get('ORG');
  if (org) {
    const [organization, department] = splitStructured(org.value);
    if (nonEmpty(organization)) properties.organization = clip(organization!.trim(), 200);
    if (nonEmpty(department)) properties.department = clip(department!.trim(), 200);
  }
  const title = nonEmpty(unescapeText(get('TITLE')?.value ?? ''));
  if (title) properties.jobTitle = clip(title, 200);
  const note = nonEmpty(unescapeText(get('NOTE')?.value ?? ''));
  if (note) properties.notes = clip(note, 20_000);
  const listed = (name: string, max: number) =>
    all(name)
      .map((p) =>
        unescapeText(p.value)
          .replace(/^(mailto|tel):/i, '')
          .trim(),
      )
      .filter((v) => v !== '' && v.length <= max);
  const emails = listed('EMAIL', 320);
  if (emails.length > 0) properties.emails = [...new Set(emails)].slice(0, 20);
  const phones = listed('TEL', 64);
  if (phones.length > 0) properties.phones = [...new Set(phones)].slice(0, 20);
  const urls = listed('URL', 2000).filter((u) => URL.canParse(u) && /^https?:/i.test(u));
  if (urls.length > 0) properties.urls = [...new Set(urls)].slice(0, 20);
  const addresses = all('ADR')
    .map((adr): PostalAddress | null => {
      const [, , street, locality, region, postalCode, country] = splitStructured(adr.value);
      const address: PostalAddress = {};
      const label = typesOf(adr).find((t) => t === 'home' || t === 'work');
      if (label) address.label = label === 'home' ? 'Home' : 'Work';
      const lines = { street, locality, region, postalCode, country };
      for (const [key, value] of Object.entries(lines)) {
        if (nonEmpty(value)) address[key as keyof typeof lines] = value!.trim().slice(0, 200);
      }
      return Object.keys(address).length > (address.label ? 1 : 0) ? address : null;
    })
    .filter((a): a is PostalAddress => a !== null);
  if (addresses.length > 0) properties.addresses = addresses.slice(0, 10);
  const groups = all('CATEGORIES')
    .flatMap((c) => splitStructured(c.value, ','))
    .map((g) => g.trim())
    .filter((g) => g !== '' && g.length <= 100);
  if (groups.length > 0) properties.groups = [...new Set(groups)].slice(0, 20);

  const fn = nonEmpty(unescapeText(get('FN')?.value ?? ''));
  const composed = [properties.givenName, properties.familyName].filter(Boolean).join(' ');
  const displayName = fn ?? (nonEmpty(composed) || properties.organization || emails[0] || phones[0] || 'Unnamed');

  // Grouped lines (item1.TEL + item1.X-ABLabel) are kept whole, so iOS's custom labels survive.
  const extra = card.properties
    .filter((p) => p.group !== null || !mapped.has(p.name))
    .map((p) => p.raw)
    .join('\n');
  return { uid: clip(uid, 500), title: clip(displayName, 500), properties, extra };
}

export interface PersonForVCard {
  id: string;
  title: string;
  properties: PersonProperties;
}

/** Grouped lines of these are mapped into the model (and written back from it). */
const listedNames = new Set(['EMAIL', 'TEL', 'URL', 'ADR']);

const addressKey = (a: PostalAddress) =>
  [a.street, a.locality, a.region, a.postalCode, a.country].map((v) => (v ?? '').trim()).join('|');

/** What a kept line's value is, in the form the model's list holds it, to find it there. */
function keyOf(l: ContentLine): string {
  if (l.name === 'ADR') {
    const [, , street, locality, region, postalCode, country] = splitStructured(l.value);
    return addressKey({ street, locality, region, postalCode, country });
  }
  return unescapeText(l.value)
    .replace(/^(mailto|tel):/i, '')
    .trim();
}

/** Renders the person as a vCard of `version`; `extra` lines (from the phone) are written back. */
export function renderVCard(
  person: PersonForVCard,
  resource: { uid: string; extra: string } | null,
  version: VCardVersion,
): string {
  const p = person.properties;
  const uid = resource?.uid ?? `urn:uuid:${person.id}`;
  const out = [
    'BEGIN:VCARD',
    `VERSION:${version}`,
    line('PRODID', '-//Made Open//DAV//EN'),
    line('UID', escapeText(uid)),
  ];
  if (version === '4.0') out.push('KIND:individual');
  out.push(line('FN', escapeText(person.title)));
  out.push(line('N', [p.familyName, p.givenName, p.additionalName, '', ''].map((v) => escapeText(v ?? '')).join(';')));
  if (p.nickname) out.push(line('NICKNAME', escapeText(p.nickname)));
  if (p.birthday) out.push(renderDate('BDAY', p.birthday, version));
  for (const anniversary of p.anniversaries ?? []) {
    out.push(renderDate(version === '4.0' ? 'ANNIVERSARY' : 'X-ANNIVERSARY', anniversary.date, version));
  }
  if (p.organization || p.department) {
    out.push(line('ORG', [p.organization ?? '', p.department ?? ''].map(escapeText).join(';')));
  }
  if (p.jobTitle) out.push(line('TITLE', escapeText(p.jobTitle)));
  if (p.notes) out.push(line('NOTE', escapeText(p.notes)));

  // Lines the phone grouped with a label (item1.TEL + item1.X-ABLabel) are written as it sent
  // them, in the value's place, while the hub still has the value; else the group is dropped.
  const kept = parseKeptLines(resource?.extra ?? '');
  const groupOf = (l: ContentLine) => l.group?.toLowerCase();
  const mappedGroups = new Set(kept.filter((l) => groupOf(l) && listedNames.has(l.name)).map(groupOf));
  const written = new Set<string>();
  const emitList = (name: string, keys: string[], plain: (index: number) => string) => {
    keys.forEach((k, index) => {
      const grouped = kept.find((l) => l.name === name && groupOf(l) && !written.has(groupOf(l)!) && keyOf(l) === k);
      if (!grouped) return out.push(plain(index));
      written.add(groupOf(grouped)!);
      for (const l of kept) if (groupOf(l) === groupOf(grouped)) out.push(fold(l.raw));
    });
  };
  emitList('EMAIL', p.emails ?? [], (i) =>
    line('EMAIL', escapeText(p.emails![i]!), { TYPE: version === '3.0' ? 'INTERNET' : undefined }),
  );
  emitList('TEL', p.phones ?? [], (i) => line('TEL', escapeText(p.phones![i]!), { TYPE: 'voice' }));
  emitList('URL', p.urls ?? [], (i) => line('URL', p.urls![i]!));
  emitList('ADR', (p.addresses ?? []).map(addressKey), (i) => {
    const address = p.addresses![i]!;
    const parts = ['', '', address.street, address.locality, address.region, address.postalCode, address.country];
    const type = address.label?.toLowerCase();
    return line('ADR', parts.map((v) => escapeText(v ?? '')).join(';'), {
      TYPE: type === 'home' || type === 'work' ? type : undefined,
    });
  });
  if (p.groups?.length) out.push(line('CATEGORIES', p.groups.map(escapeText).join(',')));
  // The rest: ungrouped lines, and groups of things the hub does not map (X-ABRELATEDNAMES ...).
  for (const l of kept) if (!groupOf(l) || !mappedGroups.has(groupOf(l))) out.push(fold(l.raw));
  out.push('END:VCARD');
  return `${out.join('\r\n')}\r\n`;
}
