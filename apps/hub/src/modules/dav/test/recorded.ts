/**
 * Request sequences of the two phone clients, written from their documentation and the
 * request bodies their open code sends, replayed over HTTP by dav.replay.test.ts. Paths use
 * {principal}, {home}, {collection}, {member} and {token}, filled in as the client learns them.
 *
 * iOS / macOS Contacts and Calendar (Apple's CardDAV/CalDAV account setup: RFC 6764 discovery,
 * then the prop sets Apple's clients ask for, as documented by the CalendarServer project and
 * seen in sabre/dav's client notes); DAVx5 (its manual's "Service discovery" and "Synchronization"
 * sections, and the props of dav4jvm's PROPFIND/REPORT builders).
 */

export interface RecordedStep {
  note: string;
  method: string;
  path: string;
  depth?: '0' | '1';
  headers?: Record<string, string>;
  body?: string;
  status: number;
  /** Strings the answer must contain. */
  contains?: string[];
  /** Learn a value from the answer: the first match's group 1 becomes {name}. */
  learn?: { name: string; pattern: RegExp }[];
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;

export const iosContacts: RecordedStep[] = [
  {
    note: 'discovery: the well-known address redirects',
    method: 'PROPFIND',
    path: '/.well-known/carddav',
    depth: '0',
    body: xml(
      '<A:propfind xmlns:A="DAV:"><A:prop><A:current-user-principal/><A:principal-URL/><A:resourcetype/></A:prop></A:propfind>',
    ),
    status: 301,
  },
  {
    note: 'current-user-principal on the context path',
    method: 'PROPFIND',
    path: '/dav/',
    depth: '0',
    body: xml(
      '<A:propfind xmlns:A="DAV:"><A:prop><A:current-user-principal/><A:principal-URL/><A:resourcetype/></A:prop></A:propfind>',
    ),
    status: 207,
    learn: [{ name: 'principal', pattern: /<d:current-user-principal><d:href>([^<]+)<\/d:href>/ }],
  },
  {
    note: 'the principal: address-book home and the props Contacts asks for (some unknown: 404 propstat)',
    method: 'PROPFIND',
    path: '{principal}',
    depth: '0',
    body: xml(
      '<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav" xmlns:C="http://calendarserver.org/ns/"><A:prop>' +
        '<B:addressbook-home-set/><B:directory-gateway/><A:displayname/><C:email-address-set/>' +
        '<A:principal-collection-set/><A:principal-URL/><A:resource-id/><A:supported-report-set/></A:prop></A:propfind>',
    ),
    status: 207,
    contains: ['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found', '<card:directory-gateway/>'],
    learn: [{ name: 'home', pattern: /<card:addressbook-home-set><d:href>([^<]+)<\/d:href>/ }],
  },
  {
    note: 'the home at depth 1: the address book with its CTag and sync token',
    method: 'PROPFIND',
    path: '{home}',
    depth: '1',
    body: xml(
      '<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav" xmlns:C="http://calendarserver.org/ns/"><A:prop>' +
        '<A:add-member/><C:getctag/><A:current-user-privilege-set/><A:displayname/><B:max-image-size/>' +
        '<B:max-resource-size/><A:owner/><A:quota-available-bytes/><A:quota-used-bytes/><A:resource-id/>' +
        '<A:resourcetype/><A:supported-report-set/><A:sync-token/></A:prop></A:propfind>',
    ),
    status: 207,
    contains: ['<card:addressbook/>', '<d:sync-collection/>', '<card:addressbook-multiget/>'],
    learn: [{ name: 'collection', pattern: /<d:href>([^<]+\/contacts\/)<\/d:href>/ }],
  },
  {
    note: 'first sync: no token, every card with its ETag',
    method: 'REPORT',
    path: '{collection}',
    depth: '0',
    body: xml(
      '<A:sync-collection xmlns:A="DAV:"><A:sync-token/><A:sync-level>1</A:sync-level><A:prop><A:getetag/></A:prop></A:sync-collection>',
    ),
    status: 207,
    contains: ['<d:getetag>'],
    learn: [
      { name: 'token', pattern: /<d:sync-token>([^<]+)<\/d:sync-token>/ },
      { name: 'member', pattern: /<d:href>([^<]+\.vcf)<\/d:href>/ },
    ],
  },
  {
    note: 'multiget of what it does not have: vCard 3.0 (the default)',
    method: 'REPORT',
    path: '{collection}',
    depth: '1',
    body: xml(
      '<B:addressbook-multiget xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav"><A:prop><A:getetag/><B:address-data/></A:prop>' +
        '<A:href>{member}</A:href><A:href>{collection}missing.vcf</A:href></B:addressbook-multiget>',
    ),
    status: 207,
    contains: ['VERSION:3.0', 'FN:Seeded Person', 'HTTP/1.1 404 Not Found'],
  },
  {
    note: 'a new contact from the phone, If-None-Match: *',
    method: 'PUT',
    path: '{collection}9B1E0C4A-6F5E-4B7A-9D3C-2A1B0C9D8E7F.vcf',
    headers: { 'content-type': 'text/vcard; charset=utf-8', 'if-none-match': '*' },
    body: [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'PRODID:-//Apple Inc.//iPhone OS 18.1//EN',
      'N:Okafor;Chidi;;;',
      'FN:Chidi Okafor',
      'item1.TEL;type=pref:+1 202 555 0143',
      'item1.X-ABLabel:_$!<Mobile>!$_',
      'UID:9B1E0C4A-6F5E-4B7A-9D3C-2A1B0C9D8E7F',
      'END:VCARD',
      '',
    ].join('\r\n'),
    status: 201,
  },
  {
    note: 'the same PUT again: the resource exists now',
    method: 'PUT',
    path: '{collection}9B1E0C4A-6F5E-4B7A-9D3C-2A1B0C9D8E7F.vcf',
    headers: { 'content-type': 'text/vcard; charset=utf-8', 'if-none-match': '*' },
    body: 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nUID:9B1E0C4A-6F5E-4B7A-9D3C-2A1B0C9D8E7F\r\nEND:VCARD\r\n',
    status: 412,
  },
  {
    note: 'sync from the token: the new card is named',
    method: 'REPORT',
    path: '{collection}',
    depth: '0',
    body: xml(
      '<A:sync-collection xmlns:A="DAV:"><A:sync-token>{token}</A:sync-token><A:sync-level>1</A:sync-level><A:prop><A:getetag/></A:prop></A:sync-collection>',
    ),
    status: 207,
    contains: ['9B1E0C4A-6F5E-4B7A-9D3C-2A1B0C9D8E7F.vcf', '<d:sync-token>'],
  },
];

export const davx5Contacts: RecordedStep[] = [
  {
    note: 'service discovery: well-known, current-user-principal',
    method: 'PROPFIND',
    path: '/.well-known/carddav',
    depth: '0',
    body: xml('<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>'),
    status: 301,
  },
  {
    note: 'the context path names the principal',
    method: 'PROPFIND',
    path: '/dav/',
    depth: '0',
    body: xml('<propfind xmlns="DAV:"><prop><resourcetype/><current-user-principal/></prop></propfind>'),
    status: 207,
    learn: [{ name: 'principal', pattern: /<d:current-user-principal><d:href>([^<]+)<\/d:href>/ }],
  },
  {
    note: 'home sets and the user address set on the principal',
    method: 'PROPFIND',
    path: '{principal}',
    depth: '0',
    body: xml(
      '<propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop>' +
        '<CARD:addressbook-home-set/><CAL:calendar-home-set/><CAL:calendar-user-address-set/><displayname/></prop></propfind>',
    ),
    status: 207,
    contains: ['<cal:calendar-home-set>', '<d:href>mailto:'],
    learn: [{ name: 'home', pattern: /<card:addressbook-home-set><d:href>([^<]+)<\/d:href>/ }],
  },
  {
    note: 'collections in the home (DAVx5 asks for CardDAV and CalDAV props at once)',
    method: 'PROPFIND',
    path: '{home}',
    depth: '1',
    body: xml(
      '<propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/"><prop>' +
        '<resourcetype/><displayname/><owner/><current-user-privilege-set/><CARD:addressbook-description/>' +
        '<CARD:supported-address-data/><CAL:calendar-description/><ICAL:calendar-color/>' +
        '<CAL:supported-calendar-component-set/><CAL:calendar-timezone/><CS:source/></prop></propfind>',
    ),
    status: 207,
    contains: ['version="4.0"', '<d:write-content/>'],
    learn: [{ name: 'collection', pattern: /<d:href>([^<]+\/contacts\/)<\/d:href>/ }],
  },
  {
    note: 'before a sync: CTag, sync token, supported reports',
    method: 'PROPFIND',
    path: '{collection}',
    depth: '0',
    body: xml(
      '<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/ns/" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop>' +
        '<CS:getctag/><sync-token/><supported-report-set/><CARD:max-resource-size/></prop></propfind>',
    ),
    status: 207,
    contains: ['<cs:getctag>https://made-open.dev/ns/sync/'],
  },
  {
    note: 'initial sync-collection',
    method: 'REPORT',
    path: '{collection}',
    depth: '0',
    body: xml(
      '<sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getcontenttype/><getetag/></prop></sync-collection>',
    ),
    status: 207,
    contains: ['text/vcard'],
    learn: [
      { name: 'token', pattern: /<d:sync-token>([^<]+)<\/d:sync-token>/ },
      { name: 'member', pattern: /<d:href>([^<]+\.vcf)<\/d:href>/ },
    ],
  },
  {
    note: 'multiget in vCard 4.0, as DAVx5 asks when the server offers it',
    method: 'REPORT',
    path: '{collection}',
    depth: '0',
    body: xml(
      '<CARD:addressbook-multiget xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav"><prop><getcontenttype/><getetag/>' +
        '<CARD:address-data content-type="text/vcard" version="4.0"/></prop><href>{member}</href></CARD:addressbook-multiget>',
    ),
    status: 207,
    contains: ['VERSION:4.0', 'FN:Seeded Person'],
  },
  {
    note: 'upload a contact made on the phone (vCard 4.0, If-None-Match: *)',
    method: 'PUT',
    path: '{collection}0d4a5f9e-2c1b-4e8f-9a7d-6b5c4d3e2f1a.vcf',
    headers: { 'content-type': 'text/vcard; version=4.0; charset=utf-8', 'if-none-match': '*' },
    body: [
      'BEGIN:VCARD',
      'VERSION:4.0',
      'PRODID:ez-vcard 0.12.1',
      'UID:0d4a5f9e-2c1b-4e8f-9a7d-6b5c4d3e2f1a',
      'FN:Dana Ruiz',
      'N:Ruiz;Dana;;;',
      'EMAIL;TYPE=work:dana@example.test',
      'X-PHONETIC-FIRST-NAME:Dah-nah',
      'REV:20261203T101500Z',
      'END:VCARD',
      '',
    ].join('\r\n'),
    status: 201,
  },
  {
    note: 'sync from the token, then an ETag-guarded delete with a wrong ETag',
    method: 'DELETE',
    path: '{collection}0d4a5f9e-2c1b-4e8f-9a7d-6b5c4d3e2f1a.vcf',
    headers: { 'if-match': '"not-the-etag"' },
    status: 412,
  },
  {
    note: 'sync-collection from the old token names the upload',
    method: 'REPORT',
    path: '{collection}',
    depth: '0',
    body: xml(
      '<sync-collection xmlns="DAV:"><sync-token>{token}</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>',
    ),
    status: 207,
    contains: ['0d4a5f9e-2c1b-4e8f-9a7d-6b5c4d3e2f1a.vcf'],
  },
];

export const davx5Calendar: RecordedStep[] = [
  {
    note: 'CalDAV discovery',
    method: 'PROPFIND',
    path: '/.well-known/caldav',
    depth: '0',
    body: xml('<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>'),
    status: 301,
  },
  {
    note: 'principal',
    method: 'PROPFIND',
    path: '/dav/',
    depth: '0',
    body: xml('<propfind xmlns="DAV:"><prop><current-user-principal/></prop></propfind>'),
    status: 207,
    learn: [{ name: 'principal', pattern: /<d:current-user-principal><d:href>([^<]+)<\/d:href>/ }],
  },
  {
    note: 'calendar home',
    method: 'PROPFIND',
    path: '{principal}',
    depth: '0',
    body: xml(
      '<propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><CAL:calendar-home-set/></prop></propfind>',
    ),
    status: 207,
    learn: [{ name: 'home', pattern: /<cal:calendar-home-set><d:href>([^<]+)<\/d:href>/ }],
  },
  {
    note: 'the calendar in the home: VEVENT only',
    method: 'PROPFIND',
    path: '{home}',
    depth: '1',
    body: xml(
      '<propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:ICAL="http://apple.com/ns/ical/"><prop><resourcetype/><displayname/>' +
        '<ICAL:calendar-color/><CAL:supported-calendar-component-set/><current-user-privilege-set/></prop></propfind>',
    ),
    status: 207,
    contains: ['<cal:calendar/>', '<cal:comp name="VEVENT"/>'],
    learn: [{ name: 'collection', pattern: /<d:href>([^<]+\/calendar\/)<\/d:href>/ }],
  },
  {
    note: 'upload an event (If-None-Match: *)',
    method: 'PUT',
    path: '{collection}5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f.ics',
    headers: { 'content-type': 'text/calendar; charset=utf-8', 'if-none-match': '*' },
    body: [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:DAVx5/4.4.3-ose ical4j/3.2.19',
      'BEGIN:VEVENT',
      'DTSTAMP:20261203T101500Z',
      'UID:5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
      'SUMMARY:Dentist',
      'DTSTART;TZID=Europe/Berlin:20261215T143000',
      'DTEND;TZID=Europe/Berlin:20261215T151500',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'TRIGGER:-PT1H',
      'END:VALARM',
      'END:VEVENT',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:STANDARD',
      'DTSTART:19701025T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'END:STANDARD',
      'END:VTIMEZONE',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    status: 201,
  },
  {
    note: 'calendar-query with the past-events limit DAVx5 applies',
    method: 'REPORT',
    path: '{collection}',
    depth: '1',
    body: xml(
      '<CAL:calendar-query xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag/></prop><CAL:filter>' +
        '<CAL:comp-filter name="VCALENDAR"><CAL:comp-filter name="VEVENT"><CAL:time-range start="20261201T000000Z"/>' +
        '</CAL:comp-filter></CAL:comp-filter></CAL:filter></CAL:calendar-query>',
    ),
    status: 207,
    contains: ['5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f.ics'],
  },
  {
    note: 'multiget of the event: its zone and alarm come back',
    method: 'REPORT',
    path: '{collection}',
    depth: '1',
    body: xml(
      '<CAL:calendar-multiget xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><prop><getetag/><CAL:calendar-data/></prop>' +
        '<href>{collection}5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f.ics</href></CAL:calendar-multiget>',
    ),
    status: 207,
    contains: ['DTSTART;TZID=Europe/Berlin:20261215T143000', 'TRIGGER:-PT1H', 'SUMMARY:Dentist'],
  },
  {
    note: 'a VTODO is not taken by this calendar',
    method: 'PUT',
    path: '{collection}task-1.ics',
    headers: { 'content-type': 'text/calendar' },
    body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:task-1\r\nSUMMARY:Milk\r\nEND:VTODO\r\nEND:VCALENDAR\r\n',
    status: 400,
    contains: ['valid-calendar-data'],
  },
];
