import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { DevicesModule } from './index.ts';
import { pairDevice, uploadEvents } from './test/support.ts';

/**
 * Capture health through the API: last event per type, upload lag, silences with their likely
 * cause, and one device.Quiet notification per silence of a device.
 */
describe.each(testDatabaseKinds())('device capture health on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let devices: DevicesModule;
  let token: string;
  let deviceId: string;
  const hour = 3_600_000;
  const ago = (hours: number) => new Date(Date.now() - hours * hour).toISOString();

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const upload = (events: object[]) => uploadEvents(hub, token, events);
  /** Location fixes every 10 minutes from `fromHours` ago to `toHours` ago. */
  const track = (fromHours: number, toHours: number) =>
    Array.from({ length: Math.round((fromHours - toHours) * 6) + 1 }, (_, i) => ({
      id: `loc-${fromHours}-${i}`,
      type: 'location',
      ts: ago(fromHours - i / 6),
      data: { lat: 51, lon: 0 },
    }));

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { uploadBurst: 1000 } });
    devices = hub.modules.find((m) => m.name === 'devices') as unknown as DevicesModule;
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    ({ deviceId, token } = await pairDevice(hub, alice, { name: 'Phone', kind: 'phone' }));
  }, 180_000);
  afterAll(() => hub?.close());

  it('finds silences and puts each down to its likely cause', async () => {
    await upload([
      ...track(20, 18),
      // Screen events kept coming while location stopped: no fix.
      { id: 'scr-1', type: 'screen', ts: ago(17.5), data: { state: 'on' } },
      { id: 'scr-2', type: 'screen', ts: ago(17), data: { state: 'off' } },
      { id: 'bat-1', type: 'battery', ts: ago(16), data: { level: 10 } },
      ...track(16, 15),
      // Then nothing after a low battery until 13 hours ago.
      ...track(13, 12.6),
      { id: 'bat-2', type: 'battery', ts: ago(12.5), data: { level: 80 } },
      ...track(12.5, 12),
      // Then nothing at all, the battery fine: the app was stopped.
      ...track(10, 9),
    ]);
    // Those events reached the hub as they happened; the next ones arrive hours late.
    await hub.db.asOwner((tx) =>
      tx.query(`UPDATE made_open.device_events SET received_at = time + interval '5 seconds' WHERE device_id = $1`, [
        deviceId,
      ]),
    );
    await upload(track(7, 6.5));

    const response = await api(alice, 'GET', `/api/v1/devices/${deviceId}/health`);
    expect(response.statusCode, response.body).toBe(200);
    const health = response.json();
    const location = health.gaps.filter((g: { type: string }) => g.type === 'location');
    expect(location.map((g: { cause: string; minutes: number }) => [g.cause, g.minutes])).toEqual([
      ['no_fix', 120],
      ['battery_low', 120],
      ['app_stopped', 120],
      ['uploaded_late', 120],
    ]);
    expect(location[0].explanation).toContain('no GPS fix');
    expect(health.gaps.filter((g: { type: string }) => g.type === 'battery')).toHaveLength(1);
    const byType = Object.fromEntries(health.types.map((t: { type: string }) => [t.type, t]));
    expect(byType.location.events).toBe(13 + 7 + 3 + 4 + 7 + 4);
    expect(Math.abs(Date.parse(byType.location.lastEventAt) - Date.parse(ago(6.5)))).toBeLessThan(5_000);
    expect(byType.location.uploadLagMs).toBeGreaterThan(6 * hour);
    expect(byType.screen.events).toBe(2);
    expect(health.quiet).toBe(false);

    // A narrower window and a longer threshold see less.
    const narrow = (await api(alice, 'GET', `/api/v1/devices/${deviceId}/health?hours=11&gapMinutes=150`)).json();
    expect(narrow.gaps).toEqual([]);
    for (const query of ['hours=0', 'hours=169', 'gapMinutes=1', 'other=1']) {
      expect((await api(alice, 'GET', `/api/v1/devices/${deviceId}/health?${query}`)).statusCode, query).toBe(400);
    }
    expect((await api(bob, 'GET', `/api/v1/devices/${deviceId}/health`)).statusCode).toBe(404);
  });

  it('raises device.Quiet once per silence, and again after the device comes back and goes quiet', async () => {
    const patched = await api(alice, 'PATCH', `/api/v1/devices/${deviceId}`, { quietMinutes: 15 });
    expect(patched.json().quietMinutes).toBe(15);
    const goQuiet = () =>
      hub.db.asOwner((tx) =>
        tx.query(`UPDATE made_open.devices SET last_seen_at = now() - interval '20 minutes' WHERE id = $1`, [deviceId]),
      );
    const told = async () =>
      (
        await hub.db.asOwner((tx) =>
          tx.query<{ data: { name: string; quietMinutes: number } }>(
            `SELECT data FROM made_open.outbox WHERE type = 'device.Quiet' AND subject = $1`,
            [deviceId],
          ),
        )
      ).rows;

    await goQuiet();
    expect((await api(alice, 'GET', `/api/v1/devices/${deviceId}/health`)).json().quiet).toBe(true);
    expect(await devices.capture.notifyQuiet()).toBe(1);
    expect(await devices.capture.notifyQuiet()).toBe(0);
    expect((await told())[0]!.data).toMatchObject({ name: 'Phone', quietMinutes: 15 });

    await upload([{ id: 'back', type: 'screen', ts: new Date().toISOString(), data: { state: 'on' } }]);
    expect((await api(alice, 'GET', `/api/v1/devices/${deviceId}/health`)).json().quiet).toBe(false);
    expect(await devices.capture.notifyQuiet()).toBe(0);
    await goQuiet();
    expect(await devices.capture.notifyQuiet()).toBe(1);
    expect(await told()).toHaveLength(2);
    expect((await api(alice, 'PATCH', `/api/v1/devices/${deviceId}`, { quietMinutes: 5 })).statusCode).toBe(400);
  });
});
