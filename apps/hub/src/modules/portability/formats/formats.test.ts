import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  contactToVcard,
  csvRowToContact,
  eventsToIcs,
  icsToEvents,
  messageToMbox,
  parseCsvStream,
  parseIcsStream,
  parseMail,
  parseVcardStream,
  splitMbox,
  suggestCsvMapping,
  vcardToContact,
} from './index.ts';

const collect = async <T>(gen: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
};
/** Feeds text in small chunks so splits land inside lines, quotes and UTF-8 sequences. */
const chunked = (text: string, size = 7) => {
  const buf = Buffer.from(text);
  return Readable.from(
    (function* () {
      for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
    })(),
  );
};

const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]).toString('base64');

describe('vCard', () => {
  it('reads 3.0 with a folded note, an embedded photo and Apple labels', () => {
    const contact = vcardToContact(
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'N:Lovelace;Ada;King;;',
        'FN:Ada Lovelace',
        'ORG:Analytical Engines;Research',
        'item1.EMAIL;type=INTERNET;type=pref:ada@example.com',
        'item1.X-ABLabel:work',
        'TEL;TYPE=CELL:+44 7700 900123',
        "ADR;TYPE=HOME:;;12 St James's Square;London;;SW1Y 4JH;UK",
        'BDAY:1815-12-10',
        'NOTE:First line\\nsecond\\, with comma and a fol',
        ' ded tail',
        `PHOTO;ENCODING=b;TYPE=JPEG:${photo}`,
        'CATEGORIES:maths,poetry',
        'END:VCARD',
      ].join('\r\n'),
    );
    expect(contact.fullName).toBe('Ada Lovelace');
    expect(contact.properties).toMatchObject({
      givenName: 'Ada',
      familyName: 'Lovelace',
      additionalName: 'King',
      organization: 'Analytical Engines',
      department: 'Research',
      birthday: '1815-12-10',
      notes: 'First line\nsecond, with comma and a folded tail',
      tags: ['maths', 'poetry'],
      addresses: [
        { label: 'home', street: "12 St James's Square", locality: 'London', postalCode: 'SW1Y 4JH', country: 'UK' },
      ],
    });
    expect(contact.emails).toEqual(['ada@example.com']);
    expect(contact.phones).toEqual(['+44 7700 900123']);
    expect(contact.photo?.contentType).toBe('image/jpeg');
    expect(contact.photo?.data.toString('base64')).toBe(photo);
  });

  it('reads 4.0 data: URI photos, --MMDD birthdays and tel: URIs, and renders 4.0 that reads back the same', () => {
    const contact = vcardToContact(
      `BEGIN:VCARD\nVERSION:4.0\nFN:Grace Hopper\nN:Hopper;Grace;;;\nTEL;VALUE=uri:tel:+1-202-555-0199\nBDAY:--1209\nPHOTO:data:image/png;base64,${photo}\nEND:VCARD\n`,
    );
    expect(contact.properties.birthday).toBe('--12-09');
    expect(contact.phones).toEqual(['+1-202-555-0199']);
    expect(contact.photo?.contentType).toBe('image/png');
    const text = contactToVcard({
      id: '0190a4c2-0000-7000-8000-000000000001',
      title: contact.fullName,
      properties: { ...contact.properties, notes: 'x'.repeat(200) },
      photo: contact.photo,
    });
    expect(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    const back = vcardToContact(text);
    expect(back.fullName).toBe('Grace Hopper');
    expect(back.properties.birthday).toBe('--12-09');
    expect(back.properties.notes).toBe('x'.repeat(200));
    expect(back.uid).toBe('urn:uuid:0190a4c2-0000-7000-8000-000000000001');
    expect(back.photo?.data.toString('base64')).toBe(photo);
  });

  it('streams many cards in small chunks and reports malformed ones by line, going on after them', async () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Ann Example',
      'EMAIL:ann@example.com',
      'END:VCARD', // 1-5
      'garbage outside', // 6
      'BEGIN:VCARD',
      'VERSION:3.0',
      'this line has no colon',
      'FN:Bob Ünïcødé',
      'BDAY:not-a-date',
      'URL:not a url',
      'END:VCARD', // 7-13
      'BEGIN:VCARD',
      'VERSION:3.0',
      'NOTE:nobody',
      'END:VCARD', // 14-17
      'BEGIN:VCARD',
      'FN:Cut off', // 18-19
    ].join('\n');
    const results = await collect(parseVcardStream(chunked(text)));
    const ok = results.filter((r) => 'contact' in r);
    const errors = results.filter((r) => 'error' in r).map((r) => ('error' in r ? r.error : null));
    expect(ok.map((r) => ('contact' in r ? r.contact.fullName : ''))).toEqual(['Ann Example', 'Bob Ünïcødé']);
    expect(errors.map((e) => e!.line)).toEqual([6, 14, 18]);
    const bob = ok[1]!;
    expect('contact' in bob && bob.contact.warnings.map((w) => w.line)).toEqual([9, 11, 12]);
  });

  it('skips a line over the cap without buffering it', async () => {
    const huge = 'NOTE:' + 'a'.repeat(9 * 1024 * 1024);
    const results = await collect(parseVcardStream(chunked(`BEGIN:VCARD\nFN:Big\n${huge}\nEND:VCARD\n`, 64 * 1024)));
    expect(results.map((r) => ('error' in r ? r.error.line : r.contact.fullName))).toEqual([3, 'Big']);
  });
});

describe('iCalendar', () => {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VTIMEZONE',
    'TZID:/citadel.org/20190914_1/Europe/Berlin',
    'X-LIC-LOCATION:Europe/Berlin',
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    'UID:weekly-1',
    'SUMMARY:Standup',
    'DTSTART;TZID=/citadel.org/20190914_1/Europe/Berlin:20260330T090000',
    'DURATION:PT15M',
    'RRULE:FREQ=WEEKLY;BYDAY=MO',
    'ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED:mailto:ann@example.com',
    'BEGIN:VALARM',
    'TRIGGER:-PT5M',
    'DESCRIPTION:not the event',
    'END:VALARM',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:weekly-1',
    'RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000',
    'DTSTART:20260406T080000Z',
    'DTEND:20260406T083000Z',
    'SUMMARY:Standup (moved)',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:holiday',
    'DTSTART;VALUE=DATE:20261225',
    'DTEND;VALUE=DATE:20261226',
    'SUMMARY:Christmas',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:bad',
    'DTSTART;TZID=Mars/Olympus:20260101T100000',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');

  it('reads time zones, durations, recurrence, exceptions, all-day events and attendees', async () => {
    const results = await collect(parseIcsStream(chunked(ics)));
    const events = results.flatMap((r) => ('event' in r ? [r.event] : []));
    expect(events.map((e) => e.title)).toEqual(['Standup', 'Standup (moved)', 'Christmas']);
    expect(events[0]!.properties).toMatchObject({
      startsAt: '2026-03-30T09:00:00+02:00',
      endsAt: '2026-03-30T09:15:00+02:00',
      timeZone: 'Europe/Berlin',
      kind: 'master',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO',
      attendees: ['ann@example.com'],
      responses: [{ email: 'ann@example.com', name: 'Ann', response: 'accepted' }],
    });
    expect(events[1]!.properties).toMatchObject({
      kind: 'exception',
      seriesId: 'weekly-1',
      startsAt: '2026-04-06T08:00:00Z',
    });
    expect(events[1]!.recurrenceId).toBe('2026-04-06T09:00:00+02:00');
    expect(events[2]!.properties).toMatchObject({ startsAt: '2026-12-25', endsAt: '2026-12-26', allDay: true });
    const errors = results.flatMap((r) => ('error' in r ? [r.error] : []));
    expect(errors).toEqual([{ line: 35, message: expect.stringContaining('Mars/Olympus') }]);
  });

  it('skips days that do not exist rather than rolling them over, and keeps years before 100', async () => {
    const event = (uid: string, start: string) => ['BEGIN:VEVENT', `UID:${uid}`, start, 'END:VEVENT'];
    const text = [
      'BEGIN:VCALENDAR',
      ...event('feb-30', 'DTSTART:20260230T100000Z'),
      ...event('month-13', 'DTSTART;VALUE=DATE:20261301'),
      ...event('hour-24', 'DTSTART:20261224T240000Z'),
      ...event('year-50', 'DTSTART:00500101T120000Z'),
      'END:VCALENDAR',
    ].join('\r\n');
    const results = await collect(parseIcsStream(chunked(text)));
    expect(results.flatMap((r) => ('event' in r ? [r.event.properties.startsAt] : []))).toEqual([
      '0050-01-01T12:00:00Z',
    ]);
    expect(results.flatMap((r) => ('error' in r ? [r.error.line] : []))).toEqual([4, 8, 12]);
  });

  it('skips events the calendar API would refuse: outside the years 1 to 9999, too long, ending before they start', async () => {
    const event = (uid: string, ...lines: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, ...lines, 'END:VEVENT'];
    const text = [
      'BEGIN:VCALENDAR',
      ...event('year-0', 'DTSTART:00000101T100000Z'), // line 2: failed the whole import in PostgreSQL
      ...event('last-day', 'DTSTART;VALUE=DATE:99991231'), // 6: its day ends past 9999
      ...event('huge', 'DTSTART:20260101T100000Z', 'DURATION:P99999999999W'), // 10: a RangeError, a 500
      ...event('long', 'DTSTART:20260101T100000Z', 'DTEND:20280101T100000Z'), // 15
      ...event('backwards', 'DTSTART:20260101T100000Z', 'DTEND:20260101T090000Z'), // 20
      ...event('fine', 'DTSTART;VALUE=DATE:99991230'),
      // An all-day DTEND on its own DTSTART, as some exporters write it: that one day.
      ...event('same-day', 'DTSTART;VALUE=DATE:20260101', 'DTEND;VALUE=DATE:20260101'),
      'END:VCALENDAR',
    ].join('\r\n');
    const results = await collect(parseIcsStream(chunked(text)));
    expect(results.flatMap((r) => ('event' in r ? [r.event.uid] : []))).toEqual(['fine', 'same-day']);
    const sameDay = results.flatMap((r) => ('event' in r && r.event.uid === 'same-day' ? [r.event] : []))[0]!;
    expect(sameDay.properties).toMatchObject({ startsAt: '2026-01-01', endsAt: '2026-01-02' });
    expect(results.flatMap((r) => ('error' in r ? [r.error] : []))).toEqual([
      { line: 2, message: 'The event at line 2: DTSTART: an event lies between 0001-01-01 and 9999-12-31. Skipped.' },
      { line: 6, message: 'The event at line 6: DTSTART: an event lies between 0001-01-01 and 9999-12-31. Skipped.' },
      { line: 10, message: 'The event at line 10: DURATION is longer than any event may last.' },
      { line: 15, message: expect.stringContaining('DTEND: an event lasts at most 400 days') },
      { line: 20, message: expect.stringContaining('DTEND: the end must not be before the start') },
    ]);
  });

  it('renders events that read back to the same times', () => {
    const [first] = icsToEvents(ics.replace(/BEGIN:VEVENT\r\nUID:bad[\s\S]*?END:VEVENT\r\n/, ''));
    const text = eventsToIcs([
      { id: 'e1', title: first!.title, body: 'Notes, with; specials', properties: first!.properties },
    ]);
    const [back] = icsToEvents(text);
    expect(Date.parse(back!.properties.startsAt)).toBe(Date.parse(first!.properties.startsAt));
    expect(back!.properties.recurrence).toBe('FREQ=WEEKLY;BYDAY=MO');
    expect(back!.description).toBe('Notes, with; specials');
  });
});

describe('CSV', () => {
  it('recognises a Google export, reads quoted fields with commas, newlines and quotes across chunks', async () => {
    const csv =
      'Name,Given Name,Family Name,E-mail 1 - Value,Phone 1 - Value,Notes,Labels\r\n' +
      'Ada Lovelace,Ada,Lovelace,ada@example.com ::: ada@work.example,+44 7700 900123,"Line one\nline ""two"", end",* myContacts ::: Friends\r\n' +
      ',,,,,,\r\n';
    const rows = await collect(parseCsvStream(chunked(csv, 5)));
    const { preset, mapping } = suggestCsvMapping(rows[0]!.fields);
    expect(preset).toBe('google');
    const contact = csvRowToContact(rows[1]!.fields, mapping, rows[1]!.line);
    expect(contact).toMatchObject({
      fullName: 'Ada Lovelace',
      emails: ['ada@example.com', 'ada@work.example'],
      properties: { notes: 'Line one\nline "two", end', tags: ['Friends'] },
    });
    expect(csvRowToContact(rows[2]!.fields, mapping, rows[2]!.line)).toEqual({
      error: expect.stringContaining('Line 4'),
    });
  });

  it('recognises an Outlook export and its month-first birthdays', async () => {
    const rows = await collect(
      parseCsvStream(
        chunked(
          'First Name,Last Name,E-mail Address,Mobile Phone,Birthday,Home City,Business City\nGrace,Hopper,grace@example.com,202-555-0199,12/9/1906,Arlington,Washington\n',
        ),
      ),
    );
    const { preset, mapping } = suggestCsvMapping(rows[0]!.fields);
    expect(preset).toBe('outlook');
    expect(csvRowToContact(rows[1]!.fields, mapping, 2)).toMatchObject({
      fullName: 'Grace Hopper',
      properties: { birthday: '1906-12-09', addresses: [{ locality: 'Arlington' }] },
    });
  });
});

describe('mail', () => {
  it('splits an mbox, unquotes >From lines, parses with mailparser and renders back', async () => {
    const mbox =
      'From ada@example.com Mon Mar 30 09:00:00 2026\nFrom: "Ada" <ada@example.com>\nTo: bob@example.com\nSubject: Hi\nMessage-ID: <m1@example.com>\nDate: Mon, 30 Mar 2026 09:00:00 +0000\n\n>From the top\nbye\n\n' +
      'From bob@example.com Mon Mar 30 10:00:00 2026\nFrom: bob@example.com\nTo: ada@example.com\nSubject: =?UTF-8?B?w5xiZXI=?=\nIn-Reply-To: <m1@example.com>\n\nReply\n';
    const raws = await collect(splitMbox(chunked(mbox, 11)));
    expect(raws.map((r) => ('line' in r ? r.line : -1))).toEqual([1, 11]);
    const first = await parseMail((raws[0] as { raw: Buffer }).raw);
    expect(first).toMatchObject({
      messageId: '<m1@example.com>',
      subject: 'Hi',
      from: { address: 'ada@example.com', name: 'Ada' },
    });
    expect(first.text).toContain('From the top');
    const second = await parseMail((raws[1] as { raw: Buffer }).raw);
    expect(second).toMatchObject({ subject: 'Über', inReplyTo: '<m1@example.com>' });
    const rendered = messageToMbox({
      id: 'x',
      title: 'Über',
      body: 'From here\nok',
      occurredAt: '2026-03-30T09:00:00Z',
      properties: {
        from: 'ada@example.com',
        to: ['bob@example.com'],
        subject: 'Über',
        internetMessageId: '<m1@example.com>',
      },
    });
    const [again] = await collect(splitMbox(Readable.from([rendered])));
    const parsed = await parseMail((again as { raw: Buffer }).raw);
    expect(parsed).toMatchObject({ subject: 'Über', messageId: '<m1@example.com>', date: '2026-03-30T09:00:00.000Z' });
    expect(parsed.text.trim()).toBe('From here\nok');
  });

  it('refuses text that is not an mbox at its first line', async () => {
    const out = await collect(splitMbox(Readable.from(['hello\nworld\n'])));
    expect(out).toEqual([{ error: { line: 1, message: expect.stringContaining('not an mbox') } }]);
  });
});
