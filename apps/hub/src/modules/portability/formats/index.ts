/**
 * vCard, iCalendar, CSV and mail parsing and rendering: the one place the hub reads and
 * writes these formats (imports, exports, takeout; CardDAV/CalDAV import from here too).
 */
export {
  contactToVcard,
  parseVcardStream,
  vcardToContact,
  VcardError,
  type Contact,
  type PersonForVcard,
} from './vcard.ts';
export {
  eventsToIcs,
  icsToEvents,
  IcsError,
  parseIcsStream,
  veventLines,
  type CalendarEvent,
  type EventForIcs,
} from './ics.ts';
export { messageToMbox, parseMail, splitMbox, type MailMessage, type MessageForMbox } from './mbox.ts';
export { csvFields, csvRowToContact, parseCsvStream, suggestCsvMapping, type CsvField } from './csv.ts';
