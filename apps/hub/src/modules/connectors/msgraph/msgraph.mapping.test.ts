import { describe, expect, it } from 'vitest';
import {
  contactItems,
  contactProperties,
  eventItem,
  eventTime,
  eventZone,
  isoInZone,
  messageItem,
  validProperties,
} from './msgraph.mapping.ts';
import { rruleOf } from './msgraph.recurrence.ts';
import { ianaToWindows, windowsToIana } from './msgraph.timezones.ts';

const self = 'me@contoso.example';

describe('microsoft 365 mapping (pure)', () => {
  it('maps a message: thread, people with names, text for search, sanitised html, read, folder', () => {
    const item = messageItem(
      {
        id: 'm1',
        subject: 'Lunch?',
        conversationId: 'conv-1',
        internetMessageId: '<a@b>',
        isRead: false,
        receivedDateTime: '2026-02-01T10:00:00Z',
        from: { emailAddress: { name: 'Ada', address: 'Ada@Example.org' } },
        toRecipients: [{ emailAddress: { name: 'Me', address: self } }],
        ccRecipients: [
          { emailAddress: { address: 'cc@example.org' } },
          { emailAddress: { address: 'not an address' } },
        ],
        body: {
          contentType: 'html',
          content: '<div>Hi <b>there</b><script>evil()</script><a href="javascript:x()">x</a></div>',
        },
      },
      { folder: 'inbox', self },
    )!;
    expect(item).toMatchObject({
      type: 'message',
      source: 'msgraph',
      externalId: 'm1',
      title: 'Lunch?',
      occurredAt: '2026-02-01T10:00:00.000Z',
      properties: {
        channel: 'email',
        direction: 'inbound',
        from: 'ada@example.org',
        to: [self],
        cc: ['cc@example.org'],
        threadId: 'conv-1',
        isRead: false,
        folder: 'inbox',
        names: { 'ada@example.org': 'Ada', [self]: 'Me' },
      },
    });
    expect(item.body).toContain('Hi there');
    expect(item.body).not.toContain('evil');
    expect(String(item.properties!.html)).not.toMatch(/script|javascript:/);
    expect(item.people).toEqual([
      { role: 'from', email: 'ada@example.org', name: 'Ada' },
      { role: 'to', email: self, name: 'Me' },
      { role: 'cc', email: 'cc@example.org' },
    ]);
  });

  it('keeps hostile messages safe: malformed dates left out, no id refused, huge attachments metadata only', () => {
    expect(messageItem({ subject: 'no id' }, { folder: 'inbox', self })).toBeUndefined();
    const item = messageItem(
      {
        id: 'm2',
        receivedDateTime: '2026-02-30T25:00:00Z',
        sentDateTime: 12,
        subject: 'x'.repeat(5000),
        body: 'not an object',
      },
      {
        folder: 'inbox',
        self,
        attachments: [{ id: 'a', size: Number.MAX_VALUE, name: 'big' }, { name: 'no id' }, 'junk'],
      },
    )!;
    expect(item.occurredAt).toBeNull();
    expect(item.title).toHaveLength(1000);
    expect(item.properties!.attachments).toEqual([
      { id: 'a', name: 'big', contentType: 'application/octet-stream', size: 0 },
    ]);
  });

  it('reads Graph times in their zones (DST aware), all-day as dates, and refuses garbage', () => {
    expect(eventTime({ dateTime: '2026-07-01T09:00:00.0000000', timeZone: 'Pacific Standard Time' }, false)).toEqual({
      iso: '2026-07-01T09:00:00-07:00',
      zone: 'America/Los_Angeles',
    });
    expect(eventTime({ dateTime: '2026-01-15T09:00:00.0000000', timeZone: 'Europe/London' }, false)!.iso).toBe(
      '2026-01-15T09:00:00+00:00',
    );
    expect(eventTime({ dateTime: '2026-01-15T00:00:00.0000000', timeZone: 'UTC' }, true)).toEqual({
      iso: '2026-01-15',
    });
    expect(eventTime({ dateTime: '2026-13-01T00:00:00', timeZone: 'UTC' }, false)).toBeUndefined();
    // Not rolled over to 2 March, timed or all-day.
    expect(eventTime({ dateTime: '2026-02-30T09:00:00', timeZone: 'UTC' }, false)).toBeUndefined();
    expect(eventTime({ dateTime: '2026-02-30T00:00:00', timeZone: 'UTC' }, true)).toBeUndefined();
    expect(eventTime({ dateTime: '0050-01-01T00:00:00', timeZone: 'UTC' }, false)!.iso).toBe(
      '0050-01-01T00:00:00.000Z',
    );
    expect(eventTime({ dateTime: 'yesterday' }, false)).toBeUndefined();
    expect(windowsToIana('Not A Zone')).toBeUndefined();
  });

  it("reads a wall clock at a DST change as the calendar does (calendar.time's instantOf), east and west alike", () => {
    const at = (dateTime: string, timeZone: string) => eventTime({ dateTime, timeZone }, false)!.iso;
    // Skipped by the spring change: moved forward by the gap.
    expect(at('2026-03-29T02:30:00.0000000', 'W. Europe Standard Time')).toBe('2026-03-29T03:30:00+02:00');
    expect(at('2026-03-08T02:30:00.0000000', 'Eastern Standard Time')).toBe('2026-03-08T03:30:00-04:00');
    // Repeated by the autumn change: its first instant.
    expect(at('2026-10-25T02:30:00.0000000', 'W. Europe Standard Time')).toBe('2026-10-25T02:30:00+02:00');
    expect(at('2026-11-01T01:30:00.0000000', 'Eastern Standard Time')).toBe('2026-11-01T01:30:00-04:00');
    // Seconds are kept, fractions of them are not (as before).
    expect(at('2026-07-01T09:00:59.9990000', 'India Standard Time')).toBe('2026-07-01T09:00:59+05:30');
  });

  it("takes the event's zone from originalStartTimeZone, not from Graph's UTC answer; custom zones stay unknown", () => {
    const utc = (dateTime: string) => ({ dateTime, timeZone: 'UTC' });
    const berlin = eventItem({
      id: 'b',
      start: utc('2026-07-01T07:00:00.0000000'),
      end: utc('2026-07-01T08:00:00.0000000'),
      originalStartTimeZone: 'W. Europe Standard Time',
      originalEndTimeZone: 'Tokyo Standard Time',
    })!;
    // The same instants, in the start's and the end's own zones.
    expect(berlin.properties).toMatchObject({
      startsAt: '2026-07-01T09:00:00+02:00',
      endsAt: '2026-07-01T17:00:00+09:00',
      timeZone: 'Europe/Berlin',
    });
    expect(berlin.occurredAt).toBe('2026-07-01T09:00:00+02:00');
    for (const custom of ['tzone://Microsoft/Custom', 'Customized Time Zone']) {
      const item = eventItem({ id: 'c', start: utc('2026-07-01T07:00:00'), originalStartTimeZone: custom })!;
      expect(item.properties).not.toHaveProperty('timeZone');
      expect(item.properties!.startsAt).toBe('2026-07-01T07:00:00.000Z');
    }
    expect(eventZone({ originalStartTimeZone: 'tzone://Microsoft/Utc' })).toBe('UTC');
    expect(eventZone({ originalStartTimeZone: 'America/Sao_Paulo' })).toBe('America/Sao_Paulo');
    // No original zone: the rule's, else a non-UTC zone the answer was written in; UTC says nothing.
    expect(eventZone({ recurrence: { range: { recurrenceTimeZone: 'Pacific Standard Time' } } })).toBe(
      'America/Los_Angeles',
    );
    expect(eventZone({ start: { timeZone: 'India Standard Time' } })).toBe('Asia/Kolkata');
    expect(eventZone({ start: { timeZone: 'UTC' } })).toBeUndefined();
    // All-day: Graph's midnights (whatever the zone) are the dates; never a day earlier in Tokyo.
    const allDay = eventItem({
      id: 'a',
      isAllDay: true,
      start: utc('2026-05-04T00:00:00.0000000'),
      end: utc('2026-05-05T00:00:00.0000000'),
      originalStartTimeZone: 'Tokyo Standard Time',
    })!;
    expect(allDay.properties).toMatchObject({ startsAt: '2026-05-04', endsAt: '2026-05-05', timeZone: 'Asia/Tokyo' });
    expect(isoInZone(Date.parse('2026-10-25T00:30:00Z'), 'Europe/London')).toBe('2026-10-25T01:30:00+01:00');
    expect(isoInZone(Date.parse('2026-10-25T01:30:00Z'), 'Europe/London')).toBe('2026-10-25T01:30:00+00:00');
    // No zone, UTC, or a name Intl does not know: the instant in UTC.
    for (const zone of [undefined, 'UTC', 'Not/AZone'])
      expect(isoInZone(Date.parse('2026-10-25T01:30:00Z'), zone)).toBe('2026-10-25T01:30:00.000Z');
    expect(ianaToWindows('Europe/Berlin')).toBe('W. Europe Standard Time');
    expect(ianaToWindows('America/Sao_Paulo')).toBe('E. South America Standard Time');
    expect(ianaToWindows('Europe/Vilnius')).toBe('Europe/Vilnius');
  });

  it('fills a bare occurrence from its master, never its id, kind, rule, version or times', () => {
    const master = {
      id: 'm',
      type: 'seriesMaster',
      subject: 'Standup',
      changeKey: 'master-key',
      start: { dateTime: '2026-01-05T08:00:00', timeZone: 'UTC' },
      originalStartTimeZone: 'W. Europe Standard Time',
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd' } },
      organizer: { emailAddress: { address: 'boss@example.org' } },
      location: { displayName: 'Room 1' },
    };
    const occurrence = {
      '@odata.etag': 'W/"occ-key"',
      id: 'o',
      type: 'occurrence',
      seriesMasterId: 'm',
      start: { dateTime: '2026-07-06T07:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-07-06T07:15:00.0000000', timeZone: 'UTC' },
    };
    const item = eventItem(occurrence, master)!;
    expect(item).toMatchObject({ externalId: 'o', title: 'Standup' });
    expect(item.properties).toMatchObject({
      kind: 'occurrence',
      seriesId: 'm',
      startsAt: '2026-07-06T09:00:00+02:00',
      timeZone: 'Europe/Berlin',
      location: 'Room 1',
      organizer: 'boss@example.org',
      changeKey: 'W/"occ-key"',
    });
    expect(item.properties).not.toHaveProperty('recurrence');
    // An exception says its own subject; the master fills only what it lacks.
    expect(eventItem({ ...occurrence, type: 'exception', subject: 'Standup (moved)' }, master)!.title).toBe(
      'Standup (moved)',
    );
    // Alone, an occurrence is placed all the same (no title, no zone).
    expect(eventItem(occurrence)!.title).toBe('(no title)');
  });

  it('turns recurrence patterns into RRULEs', () => {
    expect(rruleOf({ pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd' } })).toBe('FREQ=DAILY');
    expect(
      rruleOf({
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['tuesday'] },
        range: { type: 'endDate', endDate: '2026-12-31' },
      }),
    ).toBe('FREQ=WEEKLY;BYDAY=TU;UNTIL=20261231');
    expect(rruleOf({ pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' } })).toBe(
      'FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1',
    );
    expect(rruleOf({ pattern: { type: 'absoluteYearly', month: 5, dayOfMonth: 17, interval: 1 } })).toBe(
      'FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=17',
    );
    expect(rruleOf({ pattern: { type: 'hourly' } })).toBeUndefined();
    expect(rruleOf({ pattern: { type: 'daily', interval: -3 } })).toBeUndefined();
  });

  it('maps events: kinds, attendees with responses, organizer, my response, meeting link; drops a bad link', () => {
    const item = eventItem({
      id: 'e1',
      subject: 'Standup',
      type: 'occurrence',
      seriesMasterId: 'master-1',
      start: { dateTime: '2026-03-02T09:00:00.0000000', timeZone: 'UTC' },
      end: { dateTime: '2026-03-02T09:15:00.0000000', timeZone: 'UTC' },
      organizer: { emailAddress: { name: 'Boss', address: 'boss@example.org' } },
      attendees: [
        {
          type: 'required',
          status: { response: 'tentativelyAccepted' },
          emailAddress: { name: 'Bo', address: 'bo@example.org' },
        },
        { type: 'weird', status: { response: 'none' }, emailAddress: { address: 'x@example.org' } },
      ],
      responseStatus: { response: 'accepted' },
      onlineMeeting: { joinUrl: 'javascript:alert(1)' },
      showAs: 'busy',
    })!;
    expect(item.properties).toMatchObject({
      startsAt: '2026-03-02T09:00:00.000Z',
      endsAt: '2026-03-02T09:15:00.000Z',
      kind: 'occurrence',
      seriesId: 'master-1',
      organizer: 'boss@example.org',
      myResponse: 'accepted',
      status: 'confirmed',
      responses: [
        { email: 'bo@example.org', name: 'Bo', type: 'required', response: 'tentative' },
        { email: 'x@example.org', response: 'none' },
      ],
    });
    expect(item.properties).not.toHaveProperty('onlineMeetingUrl');
    expect(item.people?.map((p) => p.role)).toEqual(['organizer', 'attendee', 'attendee']);
    expect(eventItem({ id: 'e2', start: { dateTime: 'garbage' } })).toBeUndefined();
  });

  it('maps contacts: names, emails, phones in E.164 with the default region, birthday, company', () => {
    const mapped = contactItems(
      {
        id: 'c1',
        displayName: 'Grace Hopper',
        givenName: 'Grace',
        surname: 'Hopper',
        emailAddresses: [{ address: 'Grace@Navy.example' }, { address: 'grace@navy.example' }, { address: 'broken' }],
        mobilePhone: '020 7946 0018',
        businessPhones: ['+1 415 555 0100', 'call me'],
        birthday: '1906-12-09T11:59:00Z',
        companyName: 'US Navy',
        jobTitle: 'Rear Admiral',
      },
      'GB',
    )!;
    expect(mapped.person).toMatchObject({
      type: 'person',
      externalId: 'c1',
      title: 'Grace Hopper',
      emails: ['grace@navy.example'],
      phones: ['+14155550100', '+442079460018'],
      properties: {
        givenName: 'Grace',
        familyName: 'Hopper',
        birthday: '1906-12-09',
        organization: 'US Navy',
        jobTitle: 'Rear Admiral',
      },
    });
    expect(mapped.organization).toMatchObject({
      type: 'organization',
      title: 'US Navy',
      people: [{ role: 'works_at', email: 'grace@navy.example' }],
    });
    expect(contactItems({ id: 'c2', birthday: '1906-02-31' }, undefined)!.person.properties).not.toHaveProperty(
      'birthday',
    );
  });

  it("names every property a contact writes as its own, so a sync clears what Outlook cleared and keeps the owner's", () => {
    const full = contactItems(
      {
        id: 'c3',
        displayName: 'Ada Lovelace',
        givenName: 'Ada',
        surname: 'Lovelace',
        middleName: 'King',
        nickName: 'Countess',
        emailAddresses: [{ address: 'ada@example.org' }],
        mobilePhone: '+44 20 7946 0018',
        birthday: '1815-12-10T11:59:00Z',
        companyName: 'Analytical Engines',
        jobTitle: 'Mathematician',
        department: 'Notes',
        personalNotes: 'Wrote the first program',
      },
      'GB',
    )!.person;
    expect(Object.keys(full.properties!).sort()).toEqual([...contactProperties].sort());
    expect(full.ownedProperties).toEqual(contactProperties);
  });

  it('drops only the properties a schema refuses', () => {
    expect(
      validProperties('calendar_event', { startsAt: '2026-01-01T00:00:00Z', onlineMeetingUrl: 'ftp://x' }),
    ).toEqual({
      startsAt: '2026-01-01T00:00:00Z',
    });
  });
});
