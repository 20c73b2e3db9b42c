import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { pairDevice } from './test/support.ts';

/**
 * Devices through the real HTTP API: pairing with one-time codes, device tokens (and user
 * sessions refused), batched uploads with per-event results, reads by the owner only, and
 * OwnTracks HTTP mode.
 */
describe.each(testDatabaseKinds())('devices on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const upload = (token: string, payload: unknown, headers: Record<string, string> = {}) =>
    hub.app.inject({
      method: 'POST',
      url: '/device-events',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const pairNew = (user: SignedUpUser, body?: object) => pairDevice(hub, user, body);
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { pairPerMinute: 1000 } });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  describe('pairing', () => {
    it('makes a pending device whose one-time code is spent once for a token', async () => {
      const made = await api(alice, 'POST', '/api/v1/devices', { name: 'Phone', kind: 'owntracks' });
      expect(made.statusCode, made.body).toBe(201);
      const { device, pairing } = made.json();
      expect(device).toMatchObject({
        name: 'Phone',
        kind: 'owntracks',
        status: 'pending',
        clipboard: false,
        lastSeenAt: null,
      });
      expect(pairing.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(pairing.pairingUrl).toContain(`/devices/pair?code=${pairing.code}`);
      expect(Date.parse(pairing.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);

      // Case and dashes do not matter; the code is single use.
      const lower = pairing.code.toLowerCase().replace('-', '');
      const first = await hub.app.inject({ method: 'POST', url: '/devices/pair', payload: { code: lower } });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json().token).toMatch(/^mo_dev_[\w-]{43}$/);
      expect(first.json().deviceId).toBe(device.id);
      const again = await hub.app.inject({ method: 'POST', url: '/devices/pair', payload: { code: pairing.code } });
      expect(again.statusCode).toBe(401);
      expect(again.json().error.code).toBe('invalid_code');

      const listed = (await api(alice, 'GET', '/api/v1/devices')).json().items;
      const mine = listed.find((d: { id: string }) => d.id === device.id);
      expect(mine.status).toBe('active');
      expect(mine.lastSeenAt).not.toBeNull();
      expect(JSON.stringify(listed)).not.toContain(first.json().token);
      // The token is kept hashed: its text is nowhere in the table.
      const stored = await hub.db.asOwner((tx) =>
        tx.query<{ token_hash: string }>('SELECT token_hash FROM made_open.devices WHERE id = $1', [device.id]),
      );
      expect(stored.rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.rows[0]!.token_hash).not.toContain(first.json().token);
    });

    it('refuses expired, unknown and malformed codes without telling them apart', async () => {
      const made = (await api(alice, 'POST', '/api/v1/devices', { name: 'Old' })).json();
      await hub.db.asOwner((tx) =>
        tx.query(
          `UPDATE made_open.device_pairing_codes SET expires_at = now() - interval '1 second' WHERE device_id = $1`,
          [made.device.id],
        ),
      );
      for (const code of [made.pairing.code, 'ZZZZ-ZZZZ']) {
        const response = await hub.app.inject({ method: 'POST', url: '/devices/pair', payload: { code } });
        expect(response.statusCode).toBe(401);
        expect(response.json().error.code).toBe('invalid_code');
      }
      for (const payload of [{}, { code: '' }, { code: 'x'.repeat(65) }, { code: 'A', extra: 1 }]) {
        expect((await hub.app.inject({ method: 'POST', url: '/devices/pair', payload })).statusCode).toBe(400);
      }
      // A fresh code for the device works.
      const fresh = await api(alice, 'POST', `/api/v1/devices/${made.device.id}/pairing-code`);
      expect(fresh.statusCode, fresh.body).toBe(200);
      const ok = await hub.app.inject({ method: 'POST', url: '/devices/pair', payload: { code: fresh.json().code } });
      expect(ok.statusCode).toBe(200);
    });

    it("hides other users' devices (404) and stops a revoked device's token", async () => {
      const { deviceId, token } = await pairNew(alice);
      for (const [method, url, body] of [
        ['GET', `/api/v1/devices/${deviceId}`],
        ['PATCH', `/api/v1/devices/${deviceId}`, { name: 'Mine now' }],
        ['POST', `/api/v1/devices/${deviceId}/pairing-code`],
        ['POST', `/api/v1/devices/${deviceId}/revoke`],
      ] as const) {
        const response = await api(bob, method, url, body);
        expect(response.statusCode, `${method} ${url}`).toBe(404);
      }
      expect((await api(bob, 'GET', '/api/v1/devices')).json().items).toEqual([]);
      const event = { id: 'e1', type: 'battery', ts: at(0), data: { level: 50 } };
      expect((await upload(token, { sentAt: at(0), events: [event] })).statusCode).toBe(200);
      const revoked = await api(alice, 'POST', `/api/v1/devices/${deviceId}/revoke`);
      expect(revoked.json().status).toBe('revoked');
      const refused = await upload(token, { sentAt: at(0), events: [{ ...event, id: 'e2' }] });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('invalid_device_token');
      expect((await api(alice, 'POST', `/api/v1/devices/${deviceId}/pairing-code`)).statusCode).toBe(404);
    });
  });

  describe('POST /device-events', () => {
    let device: { deviceId: string; token: string };
    beforeAll(async () => {
      device = await pairNew(alice, { name: 'Desktop' });
    });

    it('stores each good event, reports duplicates and rejects bad ones without sinking the batch', async () => {
      const ts = at(-60_000);
      const batch = {
        sentAt: at(0),
        events: [
          { id: 'loc-1', type: 'location', ts, seq: 1, data: { lat: 51.5, lon: -0.12, accuracyM: 8 } },
          { id: 'app-1', type: 'active_app', ts, data: { app: 'firefox', title: 'Docs', durationSeconds: 30 } },
          { id: 'bad-1', type: 'location', ts, data: { lat: 91, lon: 0 } },
          { id: 'bad-2', type: 'teleport', ts, data: {} },
          { type: 'battery', ts, data: { level: 10 } },
          { id: 'clip-1', type: 'clipboard', ts, data: { text: 'secret' } },
          { id: 'loc-1', type: 'location', ts, data: { lat: 1, lon: 1 } },
          { id: 'future', type: 'screen', ts: at(3_600_000), data: { state: 'on' } },
          'not an object',
          { id: 'idle-1', type: 'idle', ts, data: { idle: true, seconds: 300 } },
        ],
      };
      const response = await upload(device.token, batch);
      expect(response.statusCode, response.body).toBe(200);
      const result = response.json();
      expect(result).toMatchObject({ stored: 3, duplicates: 1, rejected: 6, skewMs: 0 });
      expect(result.results.map((r: { status: string }) => r.status)).toEqual([
        'stored',
        'stored',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
        'duplicate',
        'rejected',
        'rejected',
        'stored',
      ]);
      expect(result.results[2].reason).toContain('data.lat');
      expect(result.results[4]).toMatchObject({ id: null, status: 'rejected' });
      expect(result.results[5].reason).toContain('clipboard capture is off');
      expect(result.results[7].reason).toContain('future');

      // The same batch again stores nothing twice.
      const retry = (await upload(device.token, batch)).json();
      expect(retry).toMatchObject({ stored: 0, duplicates: 4, rejected: 6 });

      const read = await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}`);
      expect(read.statusCode, read.body).toBe(200);
      const items = read.json().items;
      expect(items.map((e: { id: string }) => e.id).sort()).toEqual(['app-1', 'idle-1', 'loc-1']);
      expect(items.find((e: { id: string }) => e.id === 'loc-1')).toMatchObject({
        type: 'location',
        seq: 1,
        data: { lat: 51.5, lon: -0.12, accuracyM: 8 },
      });
    });

    it('corrects each time for the clock skew of the batch and keeps the device time', async () => {
      // The device's clock is 2 hours ahead: it stamped an event "10 minutes ago" on its clock.
      const skew = 2 * 3_600_000;
      const response = await upload(device.token, {
        sentAt: at(skew),
        events: [{ id: 'skewed-1', type: 'battery', ts: at(skew - 600_000), data: { level: 77, charging: true } }],
      });
      expect(response.statusCode, response.body).toBe(200);
      const result = response.json();
      expect(result.stored).toBe(1);
      expect(Math.abs(result.skewMs - skew)).toBeLessThan(5_000);
      const read = (await api(alice, 'GET', `/api/v1/device-events?type=battery&deviceId=${device.deviceId}`)).json();
      const event = read.items.find((e: { id: string }) => e.id === 'skewed-1');
      expect(Math.abs(Date.parse(event.time) - (Date.now() - 600_000))).toBeLessThan(10_000);
      expect(Date.parse(event.deviceTime) - Date.parse(event.time)).toBe(result.skewMs);
    });

    it('opts a device in to clipboard capture', async () => {
      const patched = await api(alice, 'PATCH', `/api/v1/devices/${device.deviceId}`, { clipboard: true });
      expect(patched.json().clipboard).toBe(true);
      const result = (
        await upload(device.token, {
          sentAt: at(0),
          events: [{ id: 'clip-2', type: 'clipboard', ts: at(0), data: { text: 'hello' } }],
        })
      ).json();
      expect(result.stored).toBe(1);
    });

    it('turns call-log lines into call entities linked to persons (once, however often sent)', async () => {
      const batch = {
        sentAt: at(0),
        events: [
          {
            id: 'call-1',
            type: 'call_log',
            ts: at(-7_200_000),
            data: { number: '+44 7700 900123', direction: 'outbound', durationSeconds: 95, name: 'Ada Lovelace' },
          },
          {
            id: 'call-2',
            type: 'call_log',
            ts: at(-3_600_000),
            data: { number: '+447700900123', direction: 'missed', durationSeconds: 0 },
          },
          {
            id: 'call-3',
            type: 'call_log',
            ts: at(-1_800_000),
            data: { number: 'Unknown', direction: 'inbound', durationSeconds: 12 },
          },
        ],
      };
      expect((await upload(device.token, batch)).json().stored).toBe(3);
      expect((await upload(device.token, batch)).json().duplicates).toBe(3);
      const calls = (await api(alice, 'GET', '/api/v1/entities?type=call')).json().items;
      const fromDevice = calls.filter((c: { source: string }) => c.source === 'device');
      expect(fromDevice.map((c: { title: string }) => c.title).sort()).toEqual([
        'Call from Unknown',
        'Call to Ada Lovelace',
        'Missed call +447700900123',
      ]);
      const outbound = fromDevice.find((c: { title: string }) => c.title === 'Call to Ada Lovelace');
      expect(outbound.properties).toMatchObject({
        direction: 'outbound',
        status: 'completed',
        durationSeconds: 95,
        to: '+44 7700 900123',
      });
      const ada = (await api(alice, 'GET', '/api/v1/entities?type=person&q=Ada')).json().items;
      expect(ada).toHaveLength(1);
      const timeline = (await api(alice, 'GET', `/api/v1/persons/${ada[0].id}/timeline`)).json().items;
      expect(timeline.map((i: { title: string }) => i.title)).toEqual([
        'Missed call +447700900123',
        'Call to Ada Lovelace',
      ]);
      // Bob's graph has none of it.
      expect((await api(bob, 'GET', '/api/v1/entities?type=call')).json().items).toEqual([]);
    });

    it('refuses user sessions, missing tokens and another device id', async () => {
      const event = { id: 'x', type: 'battery', ts: at(0), data: { level: 1 } };
      const session = await upload(alice.accessToken, { sentAt: at(0), events: [event] });
      expect(session.statusCode).toBe(403);
      expect(session.json().error.code).toBe('device_token_required');
      const none = await hub.app.inject({
        method: 'POST',
        url: '/device-events',
        payload: { sentAt: at(0), events: [event] },
      });
      expect(none.statusCode).toBe(401);
      expect((await upload('mo_dev_forged', { sentAt: at(0), events: [event] })).statusCode).toBe(401);
      const other = await upload(device.token, { deviceId: crypto.randomUUID(), sentAt: at(0), events: [event] });
      expect(other.statusCode).toBe(403);
      // A device token is no user session either.
      const asUser = await hub.app.inject({
        method: 'GET',
        url: '/api/v1/devices',
        headers: { authorization: `Bearer ${device.token}` },
      });
      expect(asUser.statusCode).toBe(401);
    });

    it('stores nothing for malformed JSON, a wrong shape or an oversized batch', async () => {
      const before = (await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}&limit=1000`)).json()
        .items.length;
      const event = (i: number) => ({ id: `big-${i}`, type: 'battery', ts: at(0), data: { level: 5 } });
      const cases: [unknown, number][] = [
        ['{"sentAt": "2025-', 400],
        [{ events: [event(0)] }, 400],
        [{ sentAt: 'yesterday', events: [event(0)] }, 400],
        [{ sentAt: at(0), events: [] }, 400],
        [{ sentAt: at(0), events: Array.from({ length: 1001 }, (_, i) => event(i)) }, 400],
        [{ sentAt: at(0), events: [event(0)], pad: 'x'.repeat(1024 * 1024) }, 413],
        ['[1,2]', 400],
      ];
      for (const [payload, status] of cases) {
        const response = await upload(device.token, payload);
        expect(response.statusCode, String(payload).slice(0, 40)).toBe(status);
        expect(response.json().error).toBeDefined();
      }
      const after = (await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}&limit=1000`)).json()
        .items.length;
      expect(after).toBe(before);
    });

    it('rate-limits uploads per device with a 429 and Retry-After', async () => {
      const limited = await createTestHub(kind, {}, { devices: { uploadBurst: 2, uploadPerSecond: 0.001 } });
      try {
        const user = await signUpUser(limited);
        const made = (
          await limited.app.inject({
            method: 'POST',
            url: '/api/v1/devices',
            headers: bearer(user),
            payload: { name: 'Busy' },
          })
        ).json();
        const token = (
          await limited.app.inject({ method: 'POST', url: '/devices/pair', payload: { code: made.pairing.code } })
        ).json().token;
        const send = () =>
          limited.app.inject({
            method: 'POST',
            url: '/device-events',
            headers: { authorization: `Bearer ${token}` },
            payload: {
              sentAt: at(0),
              events: [{ id: crypto.randomUUID(), type: 'screen', ts: at(0), data: { state: 'on' } }],
            },
          });
        expect((await send()).statusCode).toBe(200);
        expect((await send()).statusCode).toBe(200);
        const third = await send();
        expect(third.statusCode).toBe(429);
        expect(third.headers['retry-after']).toBeDefined();
      } finally {
        await limited.close();
      }
    }, 180_000);
  });

  describe('GET /api/v1/device-events', () => {
    let device: { deviceId: string; token: string };
    beforeAll(async () => {
      device = await pairNew(alice, { name: 'Tracker' });
      const base = Date.now() - 3_600_000;
      const events = Array.from({ length: 25 }, (_, i) => ({
        id: `p-${String(i).padStart(2, '0')}`,
        type: i % 5 === 0 ? 'wifi' : 'location',
        ts: new Date(base + i * 60_000).toISOString(),
        data: i % 5 === 0 ? { ssid: 'home' } : { lat: 51 + i / 1000, lon: 0 },
      }));
      expect((await upload(device.token, { sentAt: at(0), events })).json().stored).toBe(25);
    });

    it('pages in time order without gaps or repeats and filters by type and time', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/device-events?deviceId=${device.deviceId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await api(alice, 'GET', url)).json();
        seen.push(...page.items.map((e: { id: string }) => e.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `p-${String(i).padStart(2, '0')}`));
      expect(pages).toBe(4);
      const wifi = (await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}&type=wifi`)).json();
      expect(wifi.items.map((e: { id: string }) => e.id)).toEqual(['p-00', 'p-05', 'p-10', 'p-15', 'p-20']);
      const from = new Date(Date.parse(wifi.items[1].time)).toISOString();
      const to = new Date(Date.parse(wifi.items[3].time)).toISOString();
      const ranged = (
        await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}&from=${from}&to=${to}`)
      ).json();
      expect(ranged.items.map((e: { id: string }) => e.id)).toEqual(
        Array.from({ length: 10 }, (_, i) => `p-${String(i + 5).padStart(2, '0')}`),
      );
    });

    it("never shows another user's events and refuses bad queries", async () => {
      const theirs = (await api(bob, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}`)).json();
      expect(theirs.items).toEqual([]);
      expect((await api(bob, 'GET', '/api/v1/device-events')).json().items).toEqual([]);
      for (const query of [
        'type=teleport',
        'limit=0',
        'limit=1001',
        'cursor=bm9wZQ',
        'from=yesterday',
        'deviceId=x',
        'extra=1',
      ]) {
        expect((await api(alice, 'GET', `/api/v1/device-events?${query}`)).statusCode, query).toBe(400);
      }
      expect((await hub.app.inject({ method: 'GET', url: '/api/v1/device-events' })).statusCode).toBe(401);
    });
  });

  describe('OwnTracks HTTP mode', () => {
    let device: { deviceId: string; token: string };
    const post = (body: string, auth?: string) =>
      hub.app.inject({
        method: 'POST',
        url: '/device-events/owntracks',
        headers: {
          'content-type': 'application/json',
          ...(auth !== undefined ? { authorization: auth } : {}),
        },
        payload: body,
      });
    const basic = () => `Basic ${Buffer.from(`${device.deviceId}:${device.token}`).toString('base64')}`;
    beforeAll(async () => {
      device = await pairNew(alice, { name: 'Pixel', kind: 'owntracks' });
    });

    it('stores a location with its battery and WiFi and answers []', async () => {
      const tst = Math.floor(Date.now() / 1000) - 30;
      const message = {
        _type: 'location',
        lat: 48.85,
        lon: 2.35,
        tst,
        acc: 12,
        alt: 35,
        vel: 4,
        batt: 81,
        bs: 2,
        tid: 'px',
        t: 'u',
        conn: 'w',
        SSID: 'home-net',
        BSSID: 'aa:bb:cc:dd:ee:ff',
        topic: 'owntracks/alice/pixel',
      };
      const response = await post(JSON.stringify(message), basic());
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual([]);
      const read = (await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}`)).json();
      const byType = Object.fromEntries(read.items.map((e: { type: string; data: unknown }) => [e.type, e.data]));
      expect(byType.location).toEqual({ lat: 48.85, lon: 2.35, accuracyM: 12, altitudeM: 35, speedKmh: 4 });
      expect(byType.battery).toEqual({ level: 81, charging: true });
      expect(byType.wifi).toEqual({ ssid: 'home-net', bssid: 'aa:bb:cc:dd:ee:ff', connected: true });
      expect(read.items[0].time).toBe(new Date(tst * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'));
      // Posting it again stores nothing new.
      await post(JSON.stringify(message), basic());
      expect((await api(alice, 'GET', `/api/v1/device-events?deviceId=${device.deviceId}`)).json().items).toHaveLength(
        3,
      );
    });

    it('answers 200 [] to a zero-length body and ignores other message types', async () => {
      for (const body of ['', JSON.stringify({ _type: 'lwt', tst: 1 }), JSON.stringify({ _type: 'card', name: 'A' })]) {
        const response = await post(body, basic());
        expect(response.statusCode, body).toBe(200);
        expect(response.json()).toEqual([]);
      }
    });

    it('makes places from waypoints and location.PlaceEntered/PlaceLeft events from transitions', async () => {
      const waypoints = {
        _type: 'waypoints',
        waypoints: [
          { _type: 'waypoint', desc: 'Home', lat: 48.85, lon: 2.35, rad: 100, tst: 1_700_000_000, rid: 'r-home' },
          { _type: 'waypoint', desc: 'Work', lat: 48.87, lon: 2.33, rad: 150, tst: 1_700_000_001 },
        ],
      };
      expect((await post(JSON.stringify(waypoints), basic())).statusCode).toBe(200);
      const places = (await api(alice, 'GET', '/api/v1/entities?type=place')).json();
      const home = places.items.find((p: { title: string }) => p.title === 'Home');
      expect(home.properties).toEqual({ latitude: 48.85, longitude: 2.35, radiusMeters: 100 });
      expect(places.items.map((p: { title: string }) => p.title).sort()).toEqual(['Home', 'Work']);

      const tst = Math.floor(Date.now() / 1000);
      for (const event of ['enter', 'leave']) {
        const transition = {
          _type: 'transition',
          event,
          desc: 'Home',
          rid: 'r-home',
          lat: 48.8501,
          lon: 2.3501,
          tst,
          wtst: 1_700_000_000,
          acc: 10,
          t: 'c',
        };
        expect((await post(JSON.stringify(transition), basic())).statusCode).toBe(200);
      }
      const outbox = await hub.db.asOwner((tx) =>
        tx.query<{ type: string; data: { placeId: string; via: string } }>(
          `SELECT type, data FROM made_open.outbox WHERE type LIKE 'location.%' AND owner_id = $1 ORDER BY seq`,
          [alice.id],
        ),
      );
      expect(outbox.rows.map((r) => [r.type, r.data.placeId, r.data.via])).toEqual([
        ['location.PlaceEntered', home.id, 'geofence'],
        ['location.PlaceLeft', home.id, 'geofence'],
      ]);
      // The place keeps the waypoint's coordinates (a transition carries the phone's).
      const after = (await api(alice, 'GET', `/api/v1/entities/${home.id}`)).json();
      expect(after.properties.latitude).toBe(48.85);
    });

    it('refuses missing or wrong Basic credentials and bad messages', async () => {
      const message = JSON.stringify({ _type: 'location', lat: 1, lon: 1, tst: 1_700_000_000 });
      expect((await post(message)).statusCode).toBe(401);
      expect((await post(message, `Bearer ${device.token}`)).statusCode).toBe(401);
      const wrongUser = `Basic ${Buffer.from(`${crypto.randomUUID()}:${device.token}`).toString('base64')}`;
      expect((await post(message, wrongUser)).statusCode).toBe(401);
      const wrongPass = `Basic ${Buffer.from(`${device.deviceId}:mo_dev_nope`).toString('base64')}`;
      expect((await post(message, wrongPass)).statusCode).toBe(401);
      for (const body of [
        '{"_type":',
        '[]',
        '"x"',
        JSON.stringify({ _type: 'location', lat: 100, lon: 1, tst: 1 }),
        JSON.stringify({ _type: 'warp' }),
      ]) {
        const response = await post(body, basic());
        expect(response.statusCode, body).toBe(400);
      }
    });
  });
});
