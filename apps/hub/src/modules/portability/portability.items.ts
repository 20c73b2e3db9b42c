import { messagePropertiesSchema, normalizeEmail, normalizePhone, type CountryCode } from '@made-open/shared';
import type { IngestItem } from '../graph/index.ts';
import type { CalendarEvent, Contact, MailMessage } from './formats/index.ts';

/** What an import writes carries this source: undo removes exactly the entities that have it. */
export const importSource = (importId: string) => `import.${importId}`;

/** External ids unique within one import: a repeated UID gets its line appended. */
export function createExternalIds() {
  const seen = new Set<string>();
  return (preferred: string | null, line: number) => {
    let id = (preferred ?? `line-${line}`).slice(0, 400);
    if (seen.has(id)) id = `${id}@line-${line}`;
    seen.add(id);
    return id;
  };
}

/** The phones and emails ingest can resolve; the rest stay as display copies only. */
export function identifiersOf(contact: Contact, defaultCountry: CountryCode | undefined) {
  const emails = contact.emails.filter((e) => normalizeEmail(e) !== null);
  const phones = contact.phones.filter((p) => normalizePhone(p, { defaultCountry }) !== null);
  return { emails, phones };
}

export function contactItem(
  contact: Contact,
  source: string,
  externalId: string,
  defaultCountry: CountryCode | undefined,
  photo: { bucket: string; path: string } | null,
): IngestItem {
  const { emails, phones } = identifiersOf(contact, defaultCountry);
  return {
    type: 'person',
    source,
    externalId,
    title: contact.fullName,
    properties: { ...contact.properties, ...(photo ? { photo } : {}) },
    emails,
    phones,
  };
}

export function eventItem(event: CalendarEvent, source: string, externalId: string): IngestItem {
  return {
    type: 'calendar_event',
    source,
    externalId,
    title: event.title,
    ...(event.description ? { body: event.description } : {}),
    properties: event.properties,
    occurredAt: /^\d{4}-\d{2}-\d{2}$/.test(event.properties.startsAt)
      ? `${event.properties.startsAt}T00:00:00Z`
      : event.properties.startsAt,
    people: event.attendees
      .filter((a) => normalizeEmail(a.email) !== null)
      .map((a) => ({ role: 'attendee', email: a.email, ...(a.name ? { name: a.name.slice(0, 1000) } : {}) })),
  };
}

export function messageItem(message: MailMessage, source: string, externalId: string): IngestItem {
  const names: Record<string, string> = {};
  for (const a of [message.from, ...message.to, ...message.cc]) if (a?.name) names[a.address] = a.name.slice(0, 320);
  const properties: Record<string, unknown> = {
    channel: 'email',
    direction: 'inbound',
    ...(message.from ? { from: message.from.address } : {}),
    ...(message.to.length ? { to: message.to.map((a) => a.address).slice(0, 100) } : {}),
    ...(message.cc.length ? { cc: message.cc.map((a) => a.address).slice(0, 100) } : {}),
    subject: message.subject.slice(0, 1000),
    ...(message.messageId ? { internetMessageId: message.messageId.slice(0, 1000) } : {}),
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo.slice(0, 1000) } : {}),
    ...(Object.keys(names).length ? { names } : {}),
    ...(message.attachments.length
      ? {
          attachments: message.attachments.slice(0, 250).map((a, i) => ({
            id: String(i),
            name: a.name.slice(0, 1000),
            contentType: a.contentType.slice(0, 200),
            size: a.size,
          })),
        }
      : {}),
    folder: 'import',
  };
  const checked = messagePropertiesSchema.safeParse(properties);
  const people = [
    ...(message.from ? [{ role: 'from', email: message.from.address, name: message.from.name }] : []),
    ...message.to.map((a) => ({ role: 'to', email: a.address, name: a.name })),
    ...message.cc.map((a) => ({ role: 'cc', email: a.address, name: a.name })),
  ]
    .filter((p) => normalizeEmail(p.email) !== null)
    .slice(0, 1000)
    .map(({ name, ...p }) => ({ ...p, ...(name ? { name: name.slice(0, 1000) } : {}) }));
  return {
    type: 'message',
    source,
    externalId,
    title: message.subject.slice(0, 1000),
    body: message.text.slice(0, 1_000_000),
    properties: checked.success ? checked.data : { channel: 'email', direction: 'inbound' },
    occurredAt: message.date,
    people,
  };
}
