import { personPropertiesSchema, type PersonProperties } from '@made-open/shared';
import type { Readable } from 'node:stream';
import {
  escapeText,
  fold,
  parseContentLine,
  renderParams,
  splitStructured,
  unescapeText,
  type Property,
} from './content-line.ts';
import { readLines, unfold, unfoldText, type ContentLine } from './lines.ts';

/** A contact as a vCard carries it, mapped onto the hub's person model. */
export interface Contact {
  uid: string | null;
  /** FN, else one made from N, ORG or the first email. */
  fullName: string;
  properties: Omit<PersonProperties, 'photo'>;
  emails: string[];
  phones: string[];
  /** An embedded photo (data: URI or base64); outside URLs are never fetched. */
  photo: { contentType: string; data: Buffer } | null;
  /** Problems inside the card that did not stop it: the field was left out. */
  warnings: { line: number; message: string }[];
}

export interface CardError {
  line: number;
  message: string;
}

/** Per content line: a base64 photo fits, a hostile 1 GB line does not. */
export const maxVcardLineBytes = 8 * 1024 * 1024;
const maxPhotoBytes = 5 * 1024 * 1024;
const maxPropertiesPerCard = 2000;

export class VcardError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** One vCard text (3.0 or 4.0; 2.1 mostly) to a contact; the first card if there are several. */
export function vcardToContact(text: string): Contact {
  for (const result of cardsOf(unfoldText(text))) {
    if ('error' in result) throw new VcardError(result.error.message, result.error.line);
    return result.contact;
  }
  throw new VcardError('No BEGIN:VCARD found.', 1);
}

/** Every card of a stream, one at a time: `{ contact, line }` or `{ error }` (the rest goes on). */
export async function* parseVcardStream(
  input: Readable | AsyncIterable<Buffer | string>,
): AsyncGenerator<{ contact: Contact; line: number } | { error: CardError }> {
  const lines = unfold(readLines(input, maxVcardLineBytes), maxVcardLineBytes);
  let card: ContentLine[] | null = null;
  let start = 0;
  for await (const cl of lines) {
    if (cl.tooLong) {
      yield {
        error: { line: cl.line, message: `Line ${cl.line} is longer than ${maxVcardLineBytes} bytes: skipped.` },
      };
      continue;
    }
    const upper = cl.text.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (card) yield { error: { line: start, message: `The card at line ${start} has no END:VCARD: skipped.` } };
      card = [cl];
      start = cl.line;
      continue;
    }
    if (!card) {
      yield { error: { line: cl.line, message: `Line ${cl.line} is outside any BEGIN:VCARD ... END:VCARD.` } };
      continue;
    }
    card.push(cl);
    if (upper === 'END:VCARD') {
      yield* cardsOf(card);
      card = null;
    } else if (card.length > maxPropertiesPerCard) {
      yield {
        error: { line: start, message: `The card at line ${start} has over ${maxPropertiesPerCard} lines: skipped.` },
      };
      card = null;
    }
  }
  if (card) yield { error: { line: start, message: `The card at line ${start} has no END:VCARD: skipped.` } };
}

function* cardsOf(lines: ContentLine[]): Generator<{ contact: Contact; line: number } | { error: CardError }> {
  const start = lines[0]?.line ?? 1;
  if (lines[0]?.text.trim().toUpperCase() !== 'BEGIN:VCARD') {
    yield { error: { line: start, message: `Line ${start} should be BEGIN:VCARD.` } };
    return;
  }
  const props: { prop: Property; line: number }[] = [];
  const warnings: Contact['warnings'] = [];
  for (const cl of lines.slice(1)) {
    if (cl.text.trim().toUpperCase() === 'END:VCARD') break;
    const prop = parseContentLine(cl.text);
    if (!prop) warnings.push({ line: cl.line, message: `Line ${cl.line} is not a vCard property (NAME:value).` });
    else props.push({ prop, line: cl.line });
  }
  try {
    yield { contact: toContact(props, warnings, start), line: start };
  } catch (error) {
    if (error instanceof VcardError) yield { error: { line: error.line, message: error.message } };
    else throw error;
  }
}

const labelOf = (prop: Property) =>
  prop.params.TYPE?.map((t) => t.toLowerCase()).find((t) => !['pref', 'internet', 'voice', 'x400'].includes(t));

function toContact(props: { prop: Property; line: number }[], warnings: Contact['warnings'], start: number): Contact {
  const p: Record<string, unknown> = {};
  const emails: string[] = [];
  const phones: string[] = [];
  const urls: string[] = [];
  const tags: string[] = [];
  const addresses: NonNullable<PersonProperties['addresses']> = [];
  const anniversaries: NonNullable<PersonProperties['anniversaries']> = [];
  const customFields: NonNullable<PersonProperties['customFields']> = [];
  const lineOf: Record<string, number> = {};
  let fn: string | null = null;
  let uid: string | null = null;
  let photo: Contact['photo'] = null;
  for (const { prop, line } of props) {
    const text = () => unescapeText(prop.value).trim();
    const set = (key: string, value: unknown) => {
      if (value === '' || value === undefined) return;
      p[key] = value;
      lineOf[key] = line;
    };
    switch (prop.name) {
      case 'FN':
        fn = text() || fn;
        break;
      case 'N': {
        const [family, given, additional] = splitStructured(prop.value).map((s) => s.trim());
        set('familyName', family);
        set('givenName', given);
        set('additionalName', additional);
        break;
      }
      case 'NICKNAME':
        set('nickname', splitStructured(prop.value, ',')[0]?.trim());
        break;
      case 'UID':
        uid = text() || null;
        break;
      case 'EMAIL':
        if (text()) emails.push(text());
        lineOf.emails ??= line;
        break;
      case 'TEL':
        if (text()) phones.push(text().replace(/^tel:/i, ''));
        lineOf.phones ??= line;
        break;
      case 'URL':
        if (text()) urls.push(text());
        lineOf.urls ??= line;
        break;
      case 'ORG': {
        const [org, department] = splitStructured(prop.value).map((s) => s.trim());
        set('organization', org);
        set('department', department);
        break;
      }
      case 'TITLE':
        set('jobTitle', text());
        break;
      case 'NOTE':
        set('notes', text());
        break;
      case 'BDAY': {
        const date = vcardDate(prop.value);
        if (date) set('birthday', date);
        else
          warnings.push({ line, message: `Line ${line}: BDAY "${prop.value.slice(0, 40)}" is not a date; left out.` });
        break;
      }
      case 'ANNIVERSARY':
      case 'X-ANNIVERSARY': {
        const date = vcardDate(prop.value);
        if (date && /^\d{4}/.test(date)) anniversaries.push({ label: 'anniversary', date });
        lineOf.anniversaries ??= line;
        break;
      }
      case 'CATEGORIES':
        tags.push(
          ...splitStructured(prop.value, ',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
        lineOf.tags ??= line;
        break;
      case 'ADR': {
        const [, , street, locality, region, postalCode, country] = splitStructured(prop.value).map((s) => s.trim());
        const adr = Object.fromEntries(
          Object.entries({ label: labelOf(prop), street, locality, region, postalCode, country }).filter(([, v]) => v),
        );
        if (Object.keys(adr).some((k) => k !== 'label')) addresses.push(adr);
        lineOf.addresses ??= line;
        break;
      }
      case 'PHOTO': {
        const got = photoOf(prop);
        if (got === 'outside')
          warnings.push({ line, message: `Line ${line}: a photo at an outside URL is not fetched.` });
        else if (got === null) warnings.push({ line, message: `Line ${line}: the photo could not be read; left out.` });
        else if (got.data.length > maxPhotoBytes)
          warnings.push({ line, message: `Line ${line}: the photo is over ${maxPhotoBytes} bytes; left out.` });
        else photo = got;
        break;
      }
      case 'X-MADEOPEN-GROUP':
        p.groups = [...((p.groups as string[] | undefined) ?? []), text()];
        lineOf.groups ??= line;
        break;
      case 'X-MADEOPEN-FIELD':
        customFields.push({ label: prop.params.LABEL?.[0] ?? 'field', value: text() });
        lineOf.customFields ??= line;
        break;
      default:
        break;
    }
  }
  if (emails.length) p.emails = [...new Set(emails)].slice(0, 50);
  if (phones.length) p.phones = [...new Set(phones)].slice(0, 50);
  if (urls.length) p.urls = urls.slice(0, 50);
  if (tags.length) p.tags = [...new Set(tags)].slice(0, 50);
  if (addresses.length) p.addresses = addresses.slice(0, 10);
  if (anniversaries.length) p.anniversaries = anniversaries.slice(0, 20);
  if (customFields.length) p.customFields = customFields.slice(0, 50);
  const fullName =
    fn ??
    ([p.givenName, p.additionalName, p.familyName].filter(Boolean).join(' ') ||
      (p.organization as string | undefined) ||
      emails[0] ||
      phones[0]);
  if (!fullName)
    throw new VcardError(`The card at line ${start} has no name (FN or N), email or phone: skipped.`, start);
  return {
    uid,
    fullName: fullName.slice(0, 1000),
    properties: validProperties(p, lineOf, warnings),
    emails: emails.slice(0, 50),
    phones: phones.slice(0, 50),
    photo,
    warnings,
  };
}

/** Drops each field the person schema refuses (a bad URL, a 300-character name), with a warning. */
function validProperties(
  p: Record<string, unknown>,
  lineOf: Record<string, number>,
  warnings: Contact['warnings'],
): Contact['properties'] {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const checked = personPropertiesSchema.safeParse(p);
    if (checked.success) return checked.data;
    const key = String(checked.error.issues[0]!.path[0]);
    warnings.push({ line: lineOf[key] ?? 0, message: `${key}: ${checked.error.issues[0]!.message} Left out.` });
    delete p[key];
  }
  return {};
}

/** vCard dates: 19850412, 1985-04-12, --0412, --04-12, 1985-04-12T00:00:00Z. */
export function vcardDate(value: string): string | null {
  const v = value.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$/.exec(v);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^--(\d{2})-?(\d{2})$/.exec(v);
  if (m) return `--${m[1]}-${m[2]}`;
  return null;
}

function photoOf(prop: Property): Contact['photo'] | 'outside' | null {
  const value = prop.value.trim();
  const data = /^data:([\w.+/-]+)?(;base64)?,(.*)$/is.exec(value);
  if (data) {
    if (!data[2]) return null;
    return { contentType: data[1] ?? 'image/jpeg', data: Buffer.from(data[3]!.replace(/\s/g, ''), 'base64') };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || prop.params.VALUE?.[0]?.toLowerCase() === 'uri') return 'outside';
  const encoding = prop.params.ENCODING?.[0]?.toLowerCase();
  if (encoding !== 'b' && encoding !== 'base64') return null;
  const type = (prop.params.TYPE?.[0] ?? 'jpeg').toLowerCase();
  return {
    contentType: type.includes('/') ? type : `image/${type}`,
    data: Buffer.from(value.replace(/\s/g, ''), 'base64'),
  };
}

/** A person as the hub keeps it, for rendering. */
export interface PersonForVcard {
  id: string;
  title: string;
  properties: Partial<PersonProperties> & Record<string, unknown>;
  /** Normalised identifiers (phones E.164): used when the display copies are absent. */
  identifiers?: { kind: 'phone' | 'email'; value: string }[];
  updatedAt?: string;
  photo?: { contentType: string; data: Buffer } | null;
}

/** One person as a vCard 4.0 (RFC 6350), CRLF line endings, folded at 75 octets. */
export function contactToVcard(person: PersonForVcard): string {
  const p = person.properties;
  const lines: string[] = ['BEGIN:VCARD', 'VERSION:4.0', `UID:urn:uuid:${person.id}`];
  lines.push(`FN:${escapeText(person.title)}`);
  const n = [p.familyName, p.givenName, p.additionalName, '', ''].map((s) => escapeText(s ?? ''));
  lines.push(`N:${n.join(';')}`);
  if (p.nickname) lines.push(`NICKNAME:${escapeText(p.nickname)}`);
  const emails = p.emails?.length
    ? p.emails
    : (person.identifiers ?? []).filter((i) => i.kind === 'email').map((i) => i.value);
  const phones = p.phones?.length
    ? p.phones
    : (person.identifiers ?? []).filter((i) => i.kind === 'phone').map((i) => i.value);
  emails.forEach((e, i) => lines.push(`EMAIL${i === 0 ? ';PREF=1' : ''}:${escapeText(e)}`));
  phones.forEach((t, i) => lines.push(`TEL;VALUE=uri${i === 0 ? ';PREF=1' : ''}:tel:${t.replace(/\s+/g, '')}`));
  if (p.organization || p.department)
    lines.push(`ORG:${escapeText(p.organization ?? '')};${escapeText(p.department ?? '')}`);
  if (p.jobTitle) lines.push(`TITLE:${escapeText(p.jobTitle)}`);
  if (p.birthday)
    lines.push(
      `BDAY:${p.birthday.startsWith('--') ? `--${p.birthday.slice(2).replace('-', '')}` : p.birthday.replace(/-/g, '')}`,
    );
  for (const a of p.anniversaries ?? []) lines.push(`ANNIVERSARY:${a.date.replace(/-/g, '')}`);
  for (const a of p.addresses ?? []) {
    const parts = ['', '', a.street, a.locality, a.region, a.postalCode, a.country].map((s) => escapeText(s ?? ''));
    lines.push(`ADR${renderParams({ TYPE: a.label })}:${parts.join(';')}`);
  }
  for (const u of p.urls ?? []) lines.push(`URL:${u}`);
  if (p.tags?.length) lines.push(`CATEGORIES:${p.tags.map((t) => escapeText(t)).join(',')}`);
  for (const g of p.groups ?? []) lines.push(`X-MADEOPEN-GROUP:${escapeText(g)}`);
  for (const f of p.customFields ?? [])
    lines.push(`X-MADEOPEN-FIELD${renderParams({ LABEL: f.label })}:${escapeText(f.value)}`);
  if (p.notes) lines.push(`NOTE:${escapeText(p.notes)}`);
  if (person.photo) lines.push(`PHOTO:data:${person.photo.contentType};base64,${person.photo.data.toString('base64')}`);
  if (person.updatedAt) lines.push(`REV:${person.updatedAt.replace(/[-:]/g, '').replace(/\.\d+/, '')}`);
  lines.push('END:VCARD');
  return lines.map(fold).join('\r\n') + '\r\n';
}
