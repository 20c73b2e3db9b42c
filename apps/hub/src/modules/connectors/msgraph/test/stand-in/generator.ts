import { put, type StandInAccount } from './state.ts';

/**
 * Documented-shape payloads (Graph v1.0 message, event, contact resources) for the stand-in,
 * and a generator for large accounts (the benchmark: 50,000 messages, 5,000 events, 2,000 contacts).
 */
export function messagePayload(
  account: StandInAccount,
  n: number,
  folder = 'inbox',
  extra: Record<string, unknown> = {},
) {
  const outbound = folder === 'sentitems';
  const other = { emailAddress: { name: `Sender ${n % 500}`, address: `sender${n % 500}@example.org` } };
  const self = { emailAddress: { name: account.displayName, address: account.mail } };
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString().replace('.000Z', 'Z');
  return {
    '@odata.etag': `W/"CQAAABYAAAA${n}"`,
    id: `AAMkAD-msg-${account.id.slice(0, 8)}-${folder}-${n}`,
    changeKey: `CQAAABYAAAA${n}`,
    subject: `Subject ${n}`,
    bodyPreview: `Hello number ${n}`,
    body: { contentType: 'html', content: `<html><body><p>Hello number <b>${n}</b></p></body></html>` },
    from: outbound ? self : other,
    sender: outbound ? self : other,
    toRecipients: [outbound ? other : self],
    ccRecipients: [],
    receivedDateTime: at,
    sentDateTime: at,
    conversationId: `AAQkAD-conv-${Math.floor(n / 3)}`,
    internetMessageId: `<msg-${n}@example.org>`,
    isRead: n % 2 === 0,
    hasAttachments: false,
    parentFolderId: folder,
    ...extra,
  };
}

export function eventPayload(n: number, extra: Record<string, unknown> = {}) {
  const start = new Date(Date.now() + ((n % 300) - 20) * 86_400_000);
  start.setUTCHours(9 + (n % 8), 0, 0, 0);
  const iso = (d: Date) => d.toISOString().replace('Z', '0000').slice(0, 27);
  return {
    '@odata.etag': `W/"DwAAABYAAAA${n}"`,
    id: `AAMkAD-evt-${n}`,
    changeKey: `DwAAABYAAAA${n}`,
    subject: `Meeting ${n}`,
    body: { contentType: 'html', content: `<p>Agenda ${n}</p>` },
    start: { dateTime: iso(start), timeZone: 'UTC' },
    end: { dateTime: iso(new Date(start.getTime() + 3_600_000)), timeZone: 'UTC' },
    isAllDay: false,
    isCancelled: false,
    showAs: 'busy',
    type: 'singleInstance',
    location: { displayName: `Room ${n % 10}` },
    organizer: { emailAddress: { name: 'Org Anizer', address: `organizer${n % 50}@example.org` } },
    attendees: [
      {
        type: 'required',
        status: { response: 'accepted', time: '2026-01-01T00:00:00Z' },
        emailAddress: { name: `Guest ${n % 200}`, address: `guest${n % 200}@example.org` },
      },
    ],
    responseStatus: { response: 'accepted', time: '2026-01-01T00:00:00Z' },
    onlineMeeting: n % 3 === 0 ? { joinUrl: `https://teams.microsoft.com/l/meetup-join/${n}` } : null,
    seriesMasterId: null,
    // originalStartTimeZone / originalEndTimeZone: the zone start/end are written in (calendar.ts answers them).
    ...extra,
  };
}

export function contactPayload(n: number, extra: Record<string, unknown> = {}) {
  return {
    '@odata.etag': `W/"EQAAABYAAAA${n}"`,
    id: `AAMkAD-con-${n}`,
    changeKey: `EQAAABYAAAA${n}`,
    displayName: `Contact ${n}`,
    givenName: 'Contact',
    surname: String(n),
    emailAddresses: [{ name: `Contact ${n}`, address: `contact${n}@example.net` }],
    businessPhones: [],
    homePhones: [],
    mobilePhone: `+1415555${String(n % 10_000).padStart(4, '0')}`,
    companyName: n % 4 === 0 ? `Company ${n % 40}` : null,
    jobTitle: n % 4 === 0 ? 'Engineer' : null,
    birthday: n % 5 === 0 ? '1990-05-17T11:59:00Z' : null,
    ...extra,
  };
}

export function generateAccount(account: StandInAccount, size: { messages: number; events: number; contacts: number }) {
  for (let n = 0; n < size.messages; n += 1) {
    const folder = n % 10 === 0 ? 'sentitems' : n % 10 === 1 ? 'archive' : 'inbox';
    put(account, `mail:${folder}`, messagePayload(account, n, folder));
  }
  for (let n = 0; n < size.events; n += 1) {
    // From the 50th on, every fifth event is an occurrence of a weekly series, ten to a series
    // (the sync fetches each master once: 5,000 events → 99 masters, 5 $batches). The first 50
    // stay single events, as small accounts (tests, the web e2e's "Meeting 5") know them.
    if (n < 50 || n % 5 !== 0) {
      put(account, 'calendar', eventPayload(n));
      continue;
    }
    const masterId = `AAMkAD-evt-series-${Math.floor(n / 50)}`;
    if (n % 50 === 0)
      put(
        account,
        'calendar',
        eventPayload(n, {
          id: masterId,
          subject: `Weekly ${Math.floor(n / 50)}`,
          type: 'seriesMaster',
          recurrence: {
            pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'], firstDayOfWeek: 'sunday' },
            range: { type: 'noEnd', startDate: '2026-01-05', recurrenceTimeZone: 'UTC' },
          },
        }),
      );
    put(account, 'calendar', eventPayload(n, { type: 'occurrence', seriesMasterId: masterId }));
  }
  for (let n = 0; n < size.contacts; n += 1) put(account, 'contacts', contactPayload(n));
}
