import type { Readable } from 'node:stream';
import {
  csvRowToContact,
  parseCsvStream,
  parseIcsStream,
  parseMail,
  parseVcardStream,
  splitMbox,
  suggestCsvMapping,
  type CalendarEvent,
  type Contact,
  type CsvField,
  type MailMessage,
} from './formats/index.ts';

export const importKinds = ['vcard', 'csv', 'ics', 'mbox', 'eml'] as const;
export type ImportKind = (typeof importKinds)[number];

/** One thing read out of an import file, or a problem with its line number. */
export type ImportRecord =
  | { kind: 'contact'; line: number; contact: Contact }
  | { kind: 'event'; line: number; event: CalendarEvent }
  | { kind: 'message'; line: number; message: MailMessage }
  | { kind: 'error'; line: number; message: string }
  | { kind: 'warning'; line: number; message: string }
  | { kind: 'csvHeader'; line: number; header: string[] };

/**
 * Reads an import file one record at a time, whatever its format. The same reader feeds the
 * preview and the commit, so what the preview counted is what the commit writes.
 */
export async function* readRecords(
  kind: ImportKind,
  input: Readable,
  mapping: readonly CsvField[] | null,
): AsyncGenerator<ImportRecord> {
  switch (kind) {
    case 'vcard':
      for await (const r of parseVcardStream(input)) {
        if ('error' in r) yield { kind: 'error', ...r.error };
        else {
          for (const w of r.contact.warnings) yield { kind: 'warning', ...w };
          yield { kind: 'contact', line: r.line, contact: r.contact };
        }
      }
      return;
    case 'csv': {
      let header: string[] | null = null;
      let map = mapping;
      for await (const row of parseCsvStream(input)) {
        if (!header) {
          header = row.fields;
          map ??= suggestCsvMapping(header).mapping;
          yield { kind: 'csvHeader', line: row.line, header };
          continue;
        }
        if (row.error) {
          yield { kind: 'error', line: row.line, message: row.error };
          continue;
        }
        const contact = csvRowToContact(row.fields, map!, row.line);
        if ('error' in contact) yield { kind: 'error', line: row.line, message: contact.error };
        else {
          for (const w of contact.warnings) yield { kind: 'warning', ...w };
          yield { kind: 'contact', line: row.line, contact };
        }
      }
      if (!header) yield { kind: 'error', line: 1, message: 'The file is empty: a CSV import needs a header row.' };
      return;
    }
    case 'ics':
      for await (const r of parseIcsStream(input)) {
        if ('error' in r) yield { kind: 'error', ...r.error };
        else {
          for (const w of r.event.warnings) yield { kind: 'warning', ...w };
          yield { kind: 'event', line: r.line, event: r.event };
        }
      }
      return;
    case 'mbox':
      for await (const r of splitMbox(input)) {
        if ('error' in r) yield { kind: 'error', ...r.error };
        else yield await mailRecord(r.raw, r.line);
      }
      return;
    case 'eml':
      yield await mailRecord(input, 1);
      return;
  }
}

async function mailRecord(raw: Buffer | Readable, line: number): Promise<ImportRecord> {
  try {
    const message = await parseMail(raw);
    if (!message.from && message.to.length === 0)
      return { kind: 'error', line, message: `The message at line ${line} has no From or To address: skipped.` };
    return { kind: 'message', line, message };
  } catch (error) {
    return {
      kind: 'error',
      line,
      message: `The message at line ${line} could not be read: ${(error as Error).message}`,
    };
  }
}

/** A file's kind from its name and type, when the client did not say. */
export function kindOf(fileName: string, contentType: string | undefined): ImportKind | null {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (
    ext === 'vcf' ||
    ext === 'vcard' ||
    contentType?.startsWith('text/vcard') ||
    contentType?.startsWith('text/x-vcard')
  )
    return 'vcard';
  if (ext === 'csv' || contentType?.startsWith('text/csv')) return 'csv';
  if (ext === 'ics' || ext === 'ical' || contentType?.startsWith('text/calendar')) return 'ics';
  if (ext === 'mbox' || contentType?.startsWith('application/mbox')) return 'mbox';
  if (ext === 'eml' || contentType?.startsWith('message/rfc822')) return 'eml';
  return null;
}
