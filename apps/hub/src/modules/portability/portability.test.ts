import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { icsToEvents, vcardToContact } from './formats/index.ts';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]).toString('base64');
const vcf = [
  'BEGIN:VCARD',
  'VERSION:3.0',
  'UID:ada-1',
  'FN:Ada Lovelace',
  'N:Lovelace;Ada;;;',
  'EMAIL:ada@example.com',
  'TEL:+44 7700 900123',
  `PHOTO;ENCODING=b;TYPE=JPEG:${jpeg}`,
  'END:VCARD', // 1-9
  'BEGIN:VCARD',
  'VERSION:4.0',
  'FN:Existing Twin',
  'EMAIL:twin@example.com',
  'END:VCARD', // 10-14
  'BEGIN:VCARD',
  'VERSION:3.0',
  'NOTE:no name at all',
  'END:VCARD', // 15-18
  'BEGIN:VCARD',
  'VERSION:4.0',
  'FN:Grace Hopper',
  'ORG:Navy',
  'BDAY:19061209',
  'END:VCARD', // 19-24
].join('\r\n');

/**
 * Imports and exports through the real HTTP API and the real job worker: upload and
 * preview (counts, line-numbered errors, duplicates against existing people), commit as a
 * pg-boss job with progress, undo as one unit, CSV mapping, hostile input, other users' 404s.
 */
describe.each(testDatabaseKinds())('portability on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const upload = (user: SignedUpUser, name: string, body: string | Buffer, query = '') =>
    hub.app.inject({
      method: 'POST',
      url: `/api/v1/imports?name=${encodeURIComponent(name)}${query}`,
      headers: { ...bearer(user), 'content-type': 'application/octet-stream' },
      payload: body,
    });
  const settled = async (user: SignedUpUser, id: string) =>
    vi.waitFor(
      async () => {
        const got = (await api(user, 'GET', `/api/v1/imports/${id}`)).json();
        if (got.status !== 'committed' && got.status !== 'failed') throw new Error(`still ${got.status}`);
        return got;
      },
      { timeout: 60_000, interval: 200 },
    );
  const persons = async (user: SignedUpUser) =>
    (await api(user, 'GET', '/api/v1/entities?type=person&limit=200')).json().items as {
      id: string;
      title: string;
      properties: Record<string, unknown>;
    }[];

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  it('previews a vCard file, commits it as a job with progress and a photo, and undoes it as one unit', async () => {
    const twin = await api(alice, 'POST', '/api/v1/persons', {
      name: 'Twin (already here)',
      emails: ['twin@example.com'],
    });
    expect(twin.statusCode, twin.body).toBe(201);
    const before = (await persons(alice)).length;

    const made = await upload(alice, 'contacts.vcf', vcf);
    expect(made.statusCode, made.body).toBe(201);
    const preview = made.json();
    expect(preview).toMatchObject({ kind: 'vcard', status: 'previewed', fileName: 'contacts.vcf' });
    expect(preview.preview.counts).toMatchObject({ contacts: 3, errors: 1 });
    expect(preview.preview.errors).toEqual([{ line: 15, message: expect.stringContaining('no name') }]);
    expect(preview.preview.duplicates).toEqual([
      {
        line: 10,
        name: 'Existing Twin',
        personId: twin.json().id,
        personName: 'Twin (already here)',
        reasons: ['same_email'],
      },
    ]);
    // Nothing is written before the commit.
    expect((await persons(alice)).length).toBe(before);

    const commit = await api(alice, 'POST', `/api/v1/imports/${preview.id}/commit`);
    expect(commit.statusCode, commit.body).toBe(202);
    expect(commit.json().duplicates).toBe('suggest');
    const done = await settled(alice, preview.id);
    expect(done).toMatchObject({ status: 'committed', duplicates: 'suggest', progress: { done: 3, total: 3 } });
    expect(done.result).toMatchObject({ created: 3, merged: 0 });
    expect(done.result.mergeSuggestions).toEqual([
      expect.objectContaining({ existingPersonId: twin.json().id, kind: 'email', value: 'twin@example.com' }),
    ]);
    const after = await persons(alice);
    expect(after.length).toBe(before + 3);
    const ada = after.find((p) => p.title === 'Ada Lovelace')!;
    expect(ada.properties).toMatchObject({
      givenName: 'Ada',
      familyName: 'Lovelace',
      photo: { bucket: `contact-photos-${alice.id}` },
    });

    // Exported back as vCard 4.0, photo included.
    const exported = await api(alice, 'GET', `/api/v1/exports/contacts.vcf?ids=${ada.id}`);
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.headers['content-type']).toContain('text/vcard');
    const card = vcardToContact(exported.body);
    expect(card).toMatchObject({ fullName: 'Ada Lovelace', emails: ['ada@example.com'] });
    expect(card.photo?.data.toString('base64')).toBe(jpeg);
    expect(exported.body).toContain('VERSION:4.0');

    const undone = await api(alice, 'POST', `/api/v1/imports/${preview.id}/undo`);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json()).toMatchObject({ status: 'undone', result: { removed: 3 } });
    const left = await persons(alice);
    expect(left.map((p) => p.id).sort()).toEqual(
      after
        .filter((p) => !['Ada Lovelace', 'Existing Twin', 'Grace Hopper'].includes(p.title))
        .map((p) => p.id)
        .sort(),
    );
    expect(left.some((p) => p.id === twin.json().id)).toBe(true);
    expect((await api(alice, 'POST', `/api/v1/imports/${preview.id}/undo`)).json().error.code).toBe('already_undone');
  });

  it('merges duplicates into the existing person when asked, and undo gives that person back as it was', async () => {
    const existing = await api(alice, 'POST', '/api/v1/persons', {
      name: 'Mira Existing',
      emails: ['mira@example.com'],
      phones: ['+44 7700 900111'],
      properties: { nickname: 'Mimi' },
      body: 'Met at the conference.',
    });
    expect(existing.statusCode, existing.body).toBe(201);
    const existingId = existing.json().id as string;
    const get = async (user: SignedUpUser, id: string) => api(user, 'GET', `/api/v1/entities/${id}`);
    const before = (await get(alice, existingId)).json();
    const card = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:mira-imported',
      'FN:Mira Imported',
      'NICKNAME:Mira',
      'ORG:Analytical Engines Ltd',
      'EMAIL:mira@example.com',
      'TEL:+44 7700 900222',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'UID:new-one',
      'FN:Newton Fresh',
      'EMAIL:newton@example.com',
      'END:VCARD',
    ].join('\r\n');
    const made = await upload(alice, 'merge.vcf', card);
    expect(made.statusCode, made.body).toBe(201);
    const row = made.json();
    expect(row.duplicates).toBe('suggest');
    expect(row.preview.duplicates).toEqual([
      expect.objectContaining({ name: 'Mira Imported', personId: existingId, reasons: ['same_email'] }),
    ]);

    // Bad choices and other users change nothing.
    for (const body of [{ duplicates: 'always' }, { duplicates: 'merge', extra: 1 }, { duplicates: null }]) {
      const bad = await api(alice, 'POST', `/api/v1/imports/${row.id}/commit`, body);
      expect(bad.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await api(bob, 'POST', `/api/v1/imports/${row.id}/commit`, { duplicates: 'merge' })).statusCode).toBe(404);
    expect((await api(alice, 'GET', `/api/v1/imports/${row.id}`)).json()).toMatchObject({
      status: 'previewed',
      duplicates: 'suggest',
    });

    const commit = await api(alice, 'POST', `/api/v1/imports/${row.id}/commit`, { duplicates: 'merge' });
    expect(commit.statusCode, commit.body).toBe(202);
    expect(commit.json().duplicates).toBe('merge');
    const done = await settled(alice, row.id);
    expect(done).toMatchObject({ status: 'committed', duplicates: 'merge', result: { created: 2, merged: 1 } });
    expect(done.result.mergeSuggestions).toEqual([]);

    // One person with both phones: what it had is kept, what it lacked is filled in.
    const merged = (await get(alice, existingId)).json();
    expect(merged.title).toBe('Mira Existing');
    expect(merged.body).toBe('Met at the conference.');
    expect(merged.properties).toMatchObject({ nickname: 'Mimi', organization: 'Analytical Engines Ltd' });
    expect(merged.identifiers.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual([
      'email:mira@example.com',
      'phone:+447700900111',
      'phone:+447700900222',
    ]);
    const live = await persons(alice);
    expect(live.some((p) => p.title === 'Mira Imported')).toBe(false);
    expect(live.some((p) => p.title === 'Newton Fresh')).toBe(true);

    const undone = await api(alice, 'POST', `/api/v1/imports/${row.id}/undo`);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.json()).toMatchObject({ status: 'undone', result: { removed: 2 } });
    const after = (await get(alice, existingId)).json();
    const { version: _v1, updatedAt: _u1, ...was } = before;
    const { version: _v2, updatedAt: _u2, ...is } = after;
    expect(is).toEqual(was);
    const left = await persons(alice);
    expect(left.some((p) => p.title === 'Mira Imported' || p.title === 'Newton Fresh')).toBe(false);
    // The imported phone is nobody's now.
    expect(
      (await api(alice, 'GET', `/api/v1/persons/lookup?phone=${encodeURIComponent('+447700900222')}`)).statusCode,
    ).toBe(404);
  }, 120_000);

  it('refuses to undo a merging import while its person is merged into another, until that merge is undone', async () => {
    const kept = await api(alice, 'POST', '/api/v1/persons', { name: 'Otto Kept', emails: ['otto@example.com'] });
    const third = await api(alice, 'POST', '/api/v1/persons', { name: 'Otto Third', phones: ['+44 7700 900333'] });
    const card =
      'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Otto Card\r\nEMAIL:otto@example.com\r\nTEL:+44 7700 900334\r\nEND:VCARD\r\n';
    const row = (await upload(alice, 'otto.vcf', card)).json();
    await api(alice, 'POST', `/api/v1/imports/${row.id}/commit`, { duplicates: 'merge' });
    expect(await settled(alice, row.id)).toMatchObject({ status: 'committed', result: { merged: 1 } });
    const later = await api(alice, 'POST', `/api/v1/persons/${third.json().id}/merge`, { otherId: kept.json().id });
    expect(later.statusCode, later.body).toBe(200);

    const refused = await api(alice, 'POST', `/api/v1/imports/${row.id}/undo`);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'undo_later_merge_first',
      details: { mergeId: later.json().mergeId },
    });
    expect((await api(alice, 'GET', `/api/v1/imports/${row.id}`)).json().status).toBe('committed');

    expect((await api(alice, 'POST', `/api/v1/persons/merges/${later.json().mergeId}/undo`)).statusCode).toBe(200);
    const undone = await api(alice, 'POST', `/api/v1/imports/${row.id}/undo`);
    expect(undone.statusCode, undone.body).toBe(200);
    const otto = (await api(alice, 'GET', `/api/v1/entities/${kept.json().id}`)).json();
    expect(otto.identifiers.map((i: { value: string }) => i.value)).toEqual(['otto@example.com']);
  }, 120_000);

  it('imports iCalendar events with their time zone and recurrence, then exports them', async () => {
    const ics =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:standup@example.com\r\nSUMMARY:Standup\r\nDTSTART;TZID=Europe/London:20260601T091500\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY;COUNT=5\r\nATTENDEE;CN=Ann:mailto:ann@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    const made = await upload(alice, 'cal.ics', ics);
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().preview.counts).toMatchObject({ events: 1, errors: 0 });
    await api(alice, 'POST', `/api/v1/imports/${made.json().id}/commit`);
    expect(await settled(alice, made.json().id)).toMatchObject({ status: 'committed', result: { created: 1 } });
    const exported = await api(alice, 'GET', '/api/v1/exports/events.ics');
    const [event] = icsToEvents(exported.body).filter((e) => e.title === 'Standup');
    expect(event!.uid).toBe('standup@example.com');
    expect(Date.parse(event!.properties.startsAt)).toBe(Date.parse('2026-06-01T08:15:00Z'));
    expect(event!.properties.recurrence).toBe('FREQ=DAILY;COUNT=5');
    expect(event!.attendees).toEqual([{ email: 'ann@example.com', name: 'Ann' }]);
  });

  it('skips, by line, the events the calendar API would refuse, and imports the rest', async () => {
    const event = (uid: string, ...lines: string[]) => [
      'BEGIN:VEVENT',
      `UID:${uid}`,
      `SUMMARY:${uid}`,
      ...lines,
      'END:VEVENT',
    ];
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      ...event('year-zero', 'DTSTART:00000101T100000Z'), // line 3
      ...event('forever', 'DTSTART:20260101T100000Z', 'DURATION:P99999999999W'), // line 8
      ...event('kept', 'DTSTART:20260702T100000Z', 'DURATION:PT1H'),
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    // The DURATION was a 500 at upload; year 0 passed the preview and then failed the whole commit.
    const made = await upload(bob, 'edges.ics', ics);
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().preview.counts).toMatchObject({ events: 1, errors: 2 });
    expect(made.json().preview.errors.map((e: { line: number }) => e.line)).toEqual([3, 8]);
    await api(bob, 'POST', `/api/v1/imports/${made.json().id}/commit`);
    expect(await settled(bob, made.json().id)).toMatchObject({ status: 'committed', result: { created: 1 } });
    const stored = (await api(bob, 'GET', '/api/v1/entities?type=calendar_event')).json().items;
    expect(stored.map((e: { title: string }) => e.title)).toEqual(['kept']);
  });

  it('imports an mbox with its senders as persons, and exports messages as mbox', async () => {
    const mbox =
      'From ann@example.com Mon Jun  1 09:00:00 2026\nFrom: Ann Example <ann@example.com>\nTo: alice@example.com\nSubject: Plans\nMessage-ID: <p1@example.com>\nDate: Mon, 01 Jun 2026 09:00:00 +0000\n\nSee you at ten.\n\n' +
      'garbled separator\n';
    const made = await upload(bob, 'mail.mbox', mbox);
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json().preview.counts).toMatchObject({ messages: 1 });
    await api(bob, 'POST', `/api/v1/imports/${made.json().id}/commit`);
    const done = await settled(bob, made.json().id);
    expect(done.result).toMatchObject({ created: 1, personsCreated: 2 });
    const out = await api(bob, 'GET', '/api/v1/exports/messages.mbox');
    expect(out.body).toMatch(/^From ann@example.com /);
    expect(out.body).toContain('Message-ID: <p1@example.com>');
    expect(out.body).toContain('See you at ten.');
    // Alice's export has none of Bob's messages.
    expect((await api(alice, 'GET', '/api/v1/exports/messages.mbox')).body).not.toContain('p1@example.com');
  });

  it('recognises an Outlook CSV, takes a new column mapping, and refuses a bad one', async () => {
    const csv =
      'First Name,Last Name,E-mail Address,Mobile Phone,Nickname\nLin,Chen,lin@example.com,+1 202 555 0142,Linny\n,,,,\n';
    const made = await upload(alice, 'outlook.csv', csv);
    expect(made.statusCode, made.body).toBe(201);
    const row = made.json();
    expect(row.preview.csv).toMatchObject({
      preset: 'outlook',
      mapping: ['givenName', 'familyName', 'email', 'phone', 'nickname'],
    });
    expect(row.preview.counts).toMatchObject({ contacts: 1, errors: 1 });
    expect(row.preview.errors[0].line).toBe(3);
    const remapped = await api(alice, 'PUT', `/api/v1/imports/${row.id}/mapping`, {
      mapping: ['fullName', 'ignore', 'email', 'ignore', 'ignore'],
    });
    expect(remapped.statusCode, remapped.body).toBe(200);
    expect(remapped.json().mapping).toEqual(['fullName', 'ignore', 'email', 'ignore', 'ignore']);
    const wrongLength = await api(alice, 'PUT', `/api/v1/imports/${row.id}/mapping`, { mapping: ['fullName'] });
    expect(wrongLength.statusCode).toBe(400);
    const badField = await api(alice, 'PUT', `/api/v1/imports/${row.id}/mapping`, {
      mapping: ['x', 'y', 'z', 'a', 'b'],
    });
    expect(badField.statusCode).toBe(400);
    await api(alice, 'POST', `/api/v1/imports/${row.id}/commit`);
    await settled(alice, row.id);
    expect((await persons(alice)).find((p) => p.title === 'Lin')?.properties).toMatchObject({
      emails: ['lin@example.com'],
    });
  });

  it('answers hostile input and other users with clear 4xx', async () => {
    const unknownKind = await upload(alice, 'data.bin', 'hello');
    expect(unknownKind.statusCode).toBe(400);
    const badName = await upload(alice, '../etc/passwd.vcf', vcf);
    expect(badName.statusCode).toBe(400);
    // A 9 MB line inside a card is reported by line, the rest still read.
    const huge = `BEGIN:VCARD\r\nFN:Huge\r\nNOTE:${'x'.repeat(9 * 1024 * 1024)}\r\nEND:VCARD\r\n`;
    const big = await upload(alice, 'huge.vcf', huge);
    expect(big.statusCode, big.body.slice(0, 300)).toBe(201);
    expect(big.json().preview.counts).toMatchObject({ contacts: 1, errors: 1 });
    expect(big.json().preview.errors[0].line).toBe(3);
    const notIcs = await upload(alice, 'x.ics', 'this is not a calendar\n');
    expect(notIcs.json().preview.errors[0]).toMatchObject({ line: 1 });
    const mine = (await upload(alice, 'contacts.vcf', vcf)).json();
    for (const [method, url] of [
      ['GET', `/api/v1/imports/${mine.id}`],
      ['POST', `/api/v1/imports/${mine.id}/commit`],
      ['POST', `/api/v1/imports/${mine.id}/undo`],
    ] as const)
      expect((await api(bob, method, url)).statusCode, url).toBe(404);
    expect((await api(bob, 'GET', '/api/v1/imports')).json().items.some((i: { id: string }) => i.id === mine.id)).toBe(
      false,
    );
    const alicePerson = (await persons(alice))[0]!;
    expect((await api(bob, 'GET', `/api/v1/exports/contacts.vcf?ids=${alicePerson.id}`)).statusCode).toBe(404);
    expect((await api(alice, 'GET', '/api/v1/exports/contacts.vcf?ids=not-a-uuid')).statusCode).toBe(400);
    expect((await api(alice, 'POST', `/api/v1/imports/${mine.id}/undo`)).json().error.code).toBe('not_finished');
    const unauth = await hub.app.inject({ method: 'GET', url: '/api/v1/imports' });
    expect(unauth.statusCode).toBe(401);
  });
});
