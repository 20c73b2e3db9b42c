import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer } from '../../../test/users.ts';
import { basic, davUser } from './test/support.ts';

/**
 * What must be refused: wrong or revoked credentials (401 with a Basic challenge), another
 * account's paths (404), hostile or oversized XML and bodies (4xx, never 500), stale
 * preconditions (412), and the app-password API's own rules.
 */
// HTTP round trips through PGlite on a shared 2-core machine: generous per-test time.
vi.setConfig({ testTimeout: 120_000 });

describe.each(testDatabaseKinds())('DAV refusals on %s', (kind) => {
  let hub: TestHub;
  let alice: Awaited<ReturnType<typeof davUser>>;
  let bob: Awaited<ReturnType<typeof davUser>>;

  const dav = (
    user: { email: string; appPassword: string } | null,
    method: string,
    url: string,
    body?: string,
    headers: Record<string, string> = {},
  ) =>
    hub.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(user ? { authorization: basic(user) } : {}),
        ...(body !== undefined && !headers['content-type'] ? { 'content-type': 'application/xml' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: body } : {}),
    });
  const card = (uid: string, fn = 'Someone') => `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:${uid}\r\nFN:${fn}\r\nEND:VCARD\r\n`;
  const contacts = (user: { id: string }) => `/dav/addressbooks/${user.id}/contacts/`;

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await davUser(hub);
    bob = await davUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  it('answers 401 with a Basic challenge for no, wrong and revoked credentials, and another account’s email', async () => {
    const challenge = 'Basic realm="Made Open DAV", charset="UTF-8"';
    for (const user of [
      null,
      { email: alice.email, appPassword: 'wrong-pass-word' },
      { email: bob.email, appPassword: alice.appPassword },
      { email: alice.email, appPassword: alice.password }, // the account password is not an app password
    ]) {
      const response = await dav(user, 'PROPFIND', '/dav/', undefined, { depth: '0' });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe(challenge);
      expect(response.body).not.toContain(alice.appPassword);
    }
    // Typed back with spaces or capitals it still works; revoked, it does not.
    const loose = { email: alice.email.toUpperCase(), appPassword: alice.appPassword.toUpperCase().replace(/-/g, ' ') };
    expect((await dav(loose, 'PROPFIND', '/dav/', undefined, { depth: '0' })).statusCode).toBe(207);
    const extra = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/dav/app-passwords',
      headers: bearer(alice),
      payload: { name: 'Old tablet' },
    });
    const { appPassword, password } = extra.json();
    expect(password).toMatch(/^([a-z2-9]{4}-){5}[a-z2-9]{4}$/);
    expect(appPassword).toMatchObject({
      name: 'Old tablet',
      hint: password.slice(-4),
      status: 'active',
      lastUsedAt: null,
    });
    const tablet = { email: alice.email, appPassword: password as string };
    expect((await dav(tablet, 'PROPFIND', '/dav/', undefined, { depth: '0' })).statusCode).toBe(207);
    const listed = await hub.app.inject({ method: 'GET', url: '/api/v1/dav/app-passwords', headers: bearer(alice) });
    expect(listed.json().items.find((p: { id: string }) => p.id === appPassword.id).lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.json())).not.toContain(password);
    // Bob cannot revoke it (404), Alice can.
    const bobs = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/dav/app-passwords/${appPassword.id}/revoke`,
      headers: bearer(bob),
    });
    expect(bobs.statusCode).toBe(404);
    const revoked = await hub.app.inject({
      method: 'POST',
      url: `/api/v1/dav/app-passwords/${appPassword.id}/revoke`,
      headers: bearer(alice),
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    expect((await dav(tablet, 'PROPFIND', '/dav/', undefined, { depth: '0' })).statusCode).toBe(401);
    expect((await hub.app.inject({ method: 'GET', url: '/api/v1/dav/app-passwords' })).statusCode).toBe(401);
  });

  it('keeps each account’s resources to itself: another account’s paths are 404', async () => {
    expect(
      (
        await dav(alice, 'PUT', `${contacts(alice)}secret.vcf`, card('secret-1', 'Secret'), {
          'content-type': 'text/vcard',
        })
      ).statusCode,
    ).toBe(201);
    for (const [method, url] of [
      ['PROPFIND', `/dav/principals/${alice.id}/`],
      ['PROPFIND', contacts(alice)],
      ['GET', `${contacts(alice)}secret.vcf`],
      ['DELETE', `${contacts(alice)}secret.vcf`],
      ['PROPFIND', `/dav/calendars/${alice.id}/calendar/`],
    ] as const) {
      const response = await dav(bob, method, url, undefined, { depth: '0' });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.body).not.toContain('Secret');
    }
    // Bob's own collection, under his id, does not list it; a multiget naming Alice's href finds nothing.
    const multiget = await dav(
      bob,
      'REPORT',
      contacts(bob),
      `<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><C:address-data/></D:prop><D:href>${contacts(alice)}secret.vcf</D:href><D:href>${contacts(bob)}secret.vcf</D:href></C:addressbook-multiget>`,
    );
    expect(multiget.statusCode).toBe(207);
    expect(multiget.body).not.toContain('Secret');
    expect(multiget.body.match(/404 Not Found/g)).toHaveLength(2);
    // Bob's own card by the same name is his own.
    expect(
      (await dav(bob, 'PUT', `${contacts(bob)}secret.vcf`, card('secret-1', 'Bobs'), { 'content-type': 'text/vcard' }))
        .statusCode,
    ).toBe(201);
    expect((await dav(alice, 'GET', `${contacts(alice)}secret.vcf`)).body).toContain('FN:Secret');
  });

  it('refuses hostile and malformed XML with a 4xx', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol3;</D:displayname></D:prop></D:propfind>';
    const external =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:propfind>';
    for (const body of [
      laughs,
      external,
      '<D:propfind xmlns:D="DAV:"><D:prop>',
      '<X:propfind><X:prop/></X:propfind>',
      'not xml at all',
      '<D:propfind xmlns:D="DAV:"/><D:propfind xmlns:D="DAV:"/>',
    ]) {
      const response = await dav(alice, 'PROPFIND', contacts(alice), body, { depth: '0' });
      expect(response.statusCode, body).toBe(400);
      expect(response.body).not.toContain('root:');
    }
    const deep = `<D:propfind xmlns:D="DAV:"><D:prop>${'<D:x>'.repeat(60_000)}${'</D:x>'.repeat(60_000)}</D:prop></D:propfind>`;
    const tooMany = await dav(alice, 'PROPFIND', contacts(alice), deep, { depth: '0' });
    expect(tooMany.statusCode).toBeGreaterThanOrEqual(400);
    expect(tooMany.statusCode).toBeLessThan(500);
    const huge = await dav(
      alice,
      'REPORT',
      contacts(alice),
      `<D:sync-collection xmlns:D="DAV:"><D:sync-token>${'a'.repeat(5 * 1024 * 1024)}</D:sync-token></D:sync-collection>`,
    );
    expect(huge.statusCode).toBe(413);
    const hugeCard = await dav(alice, 'PUT', `${contacts(alice)}big.vcf`, card('big', 'x'.repeat(5 * 1024 * 1024)), {
      'content-type': 'text/vcard',
    });
    expect(hugeCard.statusCode).toBe(413);
    const infinity = await dav(alice, 'PROPFIND', '/dav/', undefined, { depth: 'infinity' });
    expect(infinity.statusCode).toBe(403);
    expect(infinity.body).toContain('propfind-finite-depth');
    const badToken = await dav(
      alice,
      'REPORT',
      contacts(alice),
      '<D:sync-collection xmlns:D="DAV:"><D:sync-token>http://elsewhere/1</D:sync-token><D:prop><D:getetag/></D:prop></D:sync-collection>',
    );
    expect(badToken.statusCode).toBe(403);
    expect(badToken.body).toContain('<d:valid-sync-token/>');
  });

  it('refuses bad resources and stale preconditions', async () => {
    const url = `${contacts(alice)}pre.vcf`;
    expect(
      (await dav(alice, 'PUT', url, 'BEGIN:VCARD\r\nEND:VCARD\r\n', { 'content-type': 'text/vcard' })).statusCode,
    ).toBe(400);
    expect((await dav(alice, 'PUT', url, card('pre'), { 'content-type': 'text/plain' })).statusCode).toBe(415);
    // A NUL reached PostgreSQL (22021) after parsing; now refused first, in DAV's own error shape.
    const nul = await dav(alice, 'PUT', url, card('pre', 'A\u0000B'), { 'content-type': 'text/vcard' });
    expect(nul.statusCode, nul.body).toBe(400);
    expect(nul.body).toContain('<card:valid-address-data/>');
    expect(
      (await dav(alice, 'PUT', url, card('pre'), { 'content-type': 'text/vcard', 'if-match': '"nothing"' })).statusCode,
    ).toBe(412);
    expect((await dav(alice, 'PUT', url, card('pre'), { 'content-type': 'text/vcard' })).statusCode).toBe(201);
    const conflict = await dav(alice, 'PUT', `${contacts(alice)}other.vcf`, card('pre'), {
      'content-type': 'text/vcard',
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toContain('<card:no-uid-conflict/>');
    const got = await dav(alice, 'GET', url);
    const etag = got.headers.etag as string;
    expect((await dav(alice, 'GET', url, undefined, { 'if-none-match': etag })).statusCode).toBe(304);
    expect(
      (await dav(alice, 'PUT', url, card('pre', 'New'), { 'content-type': 'text/vcard', 'if-match': etag })).statusCode,
    ).toBe(204);
    expect((await dav(alice, 'DELETE', url, undefined, { 'if-match': etag })).statusCode).toBe(412);
    expect((await dav(alice, 'DELETE', `${contacts(alice)}nope.vcf`)).statusCode).toBe(404);
    expect((await dav(alice, 'GET', `/dav/addressbooks/${alice.id}/elsewhere/`)).statusCode).toBe(404);
    expect((await dav(alice, 'DELETE', contacts(alice))).statusCode).toBe(403);
    const options = await hub.app.inject({ method: 'OPTIONS', url: contacts(alice) });
    expect(options.headers.dav).toContain('addressbook');
  });

  it('refuses events on days that do not exist, or that the API would refuse, storing nothing', async () => {
    const url = `/dav/calendars/${alice.id}/calendar/odd.ics`;
    const event = (...lines: string[]) =>
      ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:odd', ...lines, 'END:VEVENT', 'END:VCALENDAR'].join(
        '\r\n',
      );
    // The first was a 500 (RangeError from an invalid Date); the rest were stored as other days or lengths.
    for (const body of [
      event('DTSTART;VALUE=DATE:20261340'),
      event('DTSTART:20260230T100000Z'),
      event('DTSTART:00010101T000000Z', 'DTEND:99991231T000000Z'),
      // The API's years and ends too. Year 0 was answered in the hub's JSON (a database error),
      // 9999-12-31 in plain text naming items[0], a DURATION past what a Date holds was a 500,
      // and an all-day event ending before its first day was stored, then not editable in the web app.
      event('DTSTART:00000101T100000Z'),
      event('DTSTART;VALUE=DATE:99991231'),
      event('DTSTART:20260101T100000Z', 'DURATION:P99999999999W'),
      event('DTSTART;VALUE=DATE:20260102', 'DTEND;VALUE=DATE:20260101'),
    ]) {
      const response = await dav(alice, 'PUT', url, body, { 'content-type': 'text/calendar' });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.body).toContain('<cal:valid-calendar-data/>');
    }
    expect((await dav(alice, 'GET', url)).statusCode).toBe(404);
    // An all-day DTEND on its own DTSTART, as some exporters write it: stored as that one day.
    const sameDay = await dav(alice, 'PUT', url, event('DTSTART;VALUE=DATE:20260101', 'DTEND;VALUE=DATE:20260101'), {
      'content-type': 'text/calendar',
    });
    expect(sameDay.statusCode, sameDay.body).toBe(201);
    expect((await dav(alice, 'GET', url)).body).toContain('DTEND;VALUE=DATE:20260102');
  });
});
