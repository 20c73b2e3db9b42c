import { personPropertiesSchema } from '@made-open/shared';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Contact } from './vcard.ts';
import { vcardDate } from './vcard.ts';

const maxFieldChars = 1024 * 1024;
const maxColumns = 500;

/** One CSV record (RFC 4180: quotes, doubled quotes, newlines inside quotes) and its first line. */
export interface CsvRecord {
  fields: string[];
  line: number;
  error?: string;
}

/** Streams CSV records; a field over 1 MB or a row over 500 columns is an error row, the rest goes on. */
export async function* parseCsvStream(input: Readable | AsyncIterable<Buffer | string>): AsyncGenerator<CsvRecord> {
  const decoder = new StringDecoder('utf8');
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let start = 1;
  let error: string | undefined;
  let first = true;
  const endField = () => {
    if (fields.length >= maxColumns) error ??= `Row at line ${start} has over ${maxColumns} columns.`;
    else fields.push(field);
    field = '';
    afterQuote = false;
  };
  const endRecord = (): CsvRecord | null => {
    endField();
    const record: CsvRecord = { fields, line: start, ...(error ? { error } : {}) };
    fields = [];
    error = undefined;
    start = line;
    return record.fields.length === 1 && record.fields[0] === '' && !record.error ? null : record;
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 1;
          } else if (i + 1 === text.length) {
            // A quote at the chunk's end: decide on the next chunk.
            quoted = false;
            afterQuote = true;
          } else {
            quoted = false;
            afterQuote = true;
          }
        } else {
          if (c === '\n') line += 1;
          if (field.length < maxFieldChars) field += c;
          else error ??= `A field at line ${start} is over ${maxFieldChars} characters.`;
        }
        continue;
      }
      if (c === '"' && afterQuote) {
        // The second half of a doubled quote split across chunks.
        field += '"';
        quoted = true;
        afterQuote = false;
      } else if (c === '"' && field === '') quoted = true;
      else if (c === ',') endField();
      else if (c === '\n') {
        line += 1;
        const record = endRecord();
        if (record) yield record;
      } else if (c === '\r') continue;
      else if (field.length < maxFieldChars) field += c;
      else error ??= `A field at line ${start} is over ${maxFieldChars} characters.`;
    }
  }
  if (quoted) error ??= `A quoted field starting on line ${start} is never closed.`;
  const record = endRecord();
  if (record) yield record;
}

export const csvFields = [
  'ignore',
  'fullName',
  'givenName',
  'familyName',
  'additionalName',
  'nickname',
  'email',
  'phone',
  'organization',
  'jobTitle',
  'department',
  'notes',
  'birthday',
  'url',
  'tags',
  'street',
  'locality',
  'region',
  'postalCode',
  'country',
] as const;
export type CsvField = (typeof csvFields)[number];

/** Header names of Google Contacts and Outlook exports (lower-cased), and common plain ones. */
const known: [RegExp, CsvField][] = [
  [/^(name|full name|display name)$/, 'fullName'],
  [/^(given name|first name)$/, 'givenName'],
  [/^(family name|last name|surname)$/, 'familyName'],
  [/^(additional name|middle name)$/, 'additionalName'],
  [/^nickname$/, 'nickname'],
  [/^(e-?mail( address)?|e-?mail \d+ - value|e-?mail( \d+)? address)$/, 'email'],
  [
    /^(phone|mobile|mobile phone|business phone|home phone|primary phone|other phone|phone \d+ - value|car phone|company main phone)$/,
    'phone',
  ],
  [/^(organization|organization \d+ - name|company)$/, 'organization'],
  [/^(job title|title|organization \d+ - title)$/, 'jobTitle'],
  [/^(department|organization \d+ - department)$/, 'department'],
  [/^notes?$/, 'notes'],
  [/^(birthday|date of birth)$/, 'birthday'],
  [/^(web ?page|website( \d+ - value)?|url)$/, 'url'],
  [/^(labels|group membership|categories)$/, 'tags'],
  [/^(home street|business street|address \d+ - street|street)$/, 'street'],
  [/^(home city|business city|address \d+ - city|city)$/, 'locality'],
  [/^(home state|business state|address \d+ - region|region|state)$/, 'region'],
  [/^(home postal code|business postal code|address \d+ - postal code|postal code|zip)$/, 'postalCode'],
  [/^(home country(\/region)?|business country(\/region)?|address \d+ - country|country)$/, 'country'],
];

/** Which export a header row looks like, and a suggested mapping per column. */
export function suggestCsvMapping(header: string[]): { preset: 'google' | 'outlook' | 'generic'; mapping: CsvField[] } {
  const lower = header.map((h) => h.trim().toLowerCase());
  const preset =
    lower.includes('e-mail 1 - value') || lower.includes('given name')
      ? 'google'
      : lower.includes('e-mail address') && lower.includes('mobile phone')
        ? 'outlook'
        : 'generic';
  // Outlook has both home and business address columns: keep only the home ones (one address).
  const seenAddress = new Set<CsvField>();
  const mapping = lower.map((h) => {
    const field = known.find(([re]) => re.test(h))?.[1] ?? 'ignore';
    if (['street', 'locality', 'region', 'postalCode', 'country'].includes(field)) {
      if (seenAddress.has(field)) return 'ignore';
      seenAddress.add(field);
    }
    return field;
  });
  return { preset, mapping };
}

/** One CSV row to a contact by the mapping; a row with no name, email or phone is an error. */
export function csvRowToContact(
  fields: string[],
  mapping: readonly CsvField[],
  line: number,
): Contact | { error: string } {
  const p: Record<string, unknown> = {};
  const emails: string[] = [];
  const phones: string[] = [];
  const warnings: Contact['warnings'] = [];
  const address: Record<string, string> = {};
  let fullName = '';
  mapping.forEach((field, i) => {
    const value = (fields[i] ?? '').trim();
    if (!value || field === 'ignore') return;
    switch (field) {
      case 'fullName':
        fullName = value;
        break;
      case 'email':
        emails.push(...value.split(/\s*:::\s*|\s*;\s*/).filter(Boolean));
        break;
      case 'phone':
        phones.push(...value.split(/\s*:::\s*/).filter(Boolean));
        break;
      case 'birthday': {
        const date = vcardDate(value) ?? isoOfSlashed(value);
        if (date) p.birthday = date;
        else
          warnings.push({ line, message: `Line ${line}: birthday "${value.slice(0, 40)}" is not a date; left out.` });
        break;
      }
      case 'url':
        p.urls = [...((p.urls as string[]) ?? []), value];
        break;
      case 'tags':
        p.tags = [
          ...((p.tags as string[]) ?? []),
          ...value
            .split(/\s*:::\s*|\s*;\s*/)
            .map((t) => t.replace(/^\* ?/, ''))
            .filter((t) => t && t !== 'myContacts'),
        ];
        break;
      case 'street':
      case 'locality':
      case 'region':
      case 'postalCode':
      case 'country':
        address[field] = value;
        break;
      default:
        p[field] = value;
    }
  });
  if (Object.keys(address).length) p.addresses = [address];
  if (emails.length) p.emails = [...new Set(emails)].slice(0, 50);
  if (phones.length) p.phones = [...new Set(phones)].slice(0, 50);
  const name =
    fullName ||
    [p.givenName, p.additionalName, p.familyName].filter(Boolean).join(' ') ||
    (p.organization as string | undefined) ||
    emails[0] ||
    phones[0];
  if (!name) return { error: `Line ${line}: no name, email or phone in this row; skipped.` };
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const checked = personPropertiesSchema.safeParse(p);
    if (checked.success) {
      return {
        uid: null,
        fullName: name.slice(0, 1000),
        properties: checked.data,
        emails: emails.slice(0, 50),
        phones: phones.slice(0, 50),
        photo: null,
        warnings,
      };
    }
    const key = String(checked.error.issues[0]!.path[0]);
    warnings.push({ line, message: `Line ${line}: ${key}: ${checked.error.issues[0]!.message} Left out.` });
    delete p[key];
  }
  return { error: `Line ${line}: this row could not be read.` };
}

/** Outlook's 4/12/1985 (month first) → 1985-04-12. */
function isoOfSlashed(value: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (!m || m[3] === '0000') return null;
  return `${m[3]}-${m[1]!.padStart(2, '0')}-${m[2]!.padStart(2, '0')}`;
}
