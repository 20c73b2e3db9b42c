import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import type { DevicesModule } from './index.ts';
import { pairDevice, uploadEvents } from './test/support.ts';

/**
 * Retention per source through the API and the job's code: raw locations thinned to one per
 * bucket past their raw window, sources without downsampling deleted, the owner's settings
 * applied, disk use reported, and one budget alert per source.
 */
describe.each(testDatabaseKinds())('device event retention on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  let devices: DevicesModule;
  let token: string;
  let deviceId: string;
  const day = 86_400_000;

  const api = (user: SignedUpUser, method: 'GET' | 'PUT' | 'POST' | 'PATCH', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const upload = (events: object[]) => uploadEvents(hub, token, events);
  const count = async (type: string) => {
    const rows = await hub.db.asOwner((tx) =>
      tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM made_open.device_events WHERE device_id = $1 AND type = $2',
        [deviceId, type],
      ),
    );
    return rows.rows[0]!.n;
  };
  /** Minute-apart fixes over `minutes` starting at `start`. */
  const fixes = (prefix: string, start: number, minutes: number) =>
    Array.from({ length: minutes }, (_, i) => ({
      id: `${prefix}-${i}`,
      type: 'location',
      ts: new Date(start + i * 60_000).toISOString(),
      data: { lat: 51 + i / 10_000, lon: 0 },
    }));

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' }, { devices: { uploadBurst: 1000 } });
    devices = hub.modules.find((m) => m.name === 'devices') as DevicesModule;
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    ({ deviceId, token } = await pairDevice(hub, alice, { name: 'Phone', clipboard: true }));
  }, 180_000);
  afterAll(() => hub?.close());

  it('thins old locations to one per 10 minutes by default and deletes old raw sources', async () => {
    // Two hours of fixes 40 days ago (aligned to a bucket), and one hour from today.
    const old = Math.floor((Date.now() - 40 * day) / 600_000) * 600_000;
    expect((await upload(fixes('old', old, 120))).stored).toBe(120);
    expect((await upload(fixes('new', Date.now() - 3_600_000, 60))).stored).toBe(60);
    await upload([
      { id: 'clip-old', type: 'clipboard', ts: new Date(Date.now() - 8 * day).toISOString(), data: { text: 'old' } },
      { id: 'clip-new', type: 'clipboard', ts: new Date(Date.now() - day).toISOString(), data: { text: 'new' } },
    ]);

    const deleted = await devices.retention.runForOwner(alice.id);
    expect(deleted).toBe(120 - 12 + 1);
    expect(await count('location')).toBe(12 + 60);
    expect(await count('clipboard')).toBe(1);
    // The first fix of each bucket is the one kept.
    const kept = await hub.db.asOwner((tx) =>
      tx.query<{ event_id: string }>(
        `SELECT event_id FROM made_open.device_events WHERE device_id = $1 AND event_id LIKE 'old-%' ORDER BY time`,
        [deviceId],
      ),
    );
    expect(kept.rows.map((r) => r.event_id)).toEqual(Array.from({ length: 12 }, (_, i) => `old-${i * 10}`));
    // Running again changes nothing.
    expect(await devices.retention.runForOwner(alice.id)).toBe(0);

    const sources = (await api(alice, 'GET', '/api/v1/device-sources')).json().items;
    const location = sources.find((s: { type: string }) => s.type === 'location');
    expect(location).toMatchObject({
      custom: false,
      events: 72,
      overBudget: false,
      settings: { rawDays: 30, downsampleMinutes: 10, keepDays: null, budgetMb: null },
    });
    expect(location.estimatedBytes).toBeGreaterThan(72 * 200);
    // Bob sees no usage of Alice's.
    const theirs = (await api(bob, 'GET', '/api/v1/device-sources')).json().items;
    expect(theirs.every((s: { events: number }) => s.events === 0)).toBe(true);
  });

  it("applies the owner's own settings, and refuses impossible ones", async () => {
    const saved = await api(alice, 'PUT', '/api/v1/device-sources/location', {
      rawDays: 1,
      downsampleMinutes: 30,
      keepDays: 35,
      budgetMb: null,
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ custom: true, settings: { rawDays: 1, downsampleMinutes: 30, keepDays: 35 } });
    // The fixes of 40 days ago are past keepDays; today's hour is still raw.
    await upload(fixes('yday', Math.floor((Date.now() - 2 * day) / 1_800_000) * 1_800_000, 60));
    await devices.retention.runForOwner(alice.id);
    expect(await count('location')).toBe(2 + 60);

    for (const body of [
      { rawDays: 0, downsampleMinutes: null, keepDays: null, budgetMb: null },
      { rawDays: 10, downsampleMinutes: null, keepDays: 20, budgetMb: null },
      { rawDays: 10, downsampleMinutes: 5, keepDays: 5, budgetMb: null },
      { rawDays: 10, downsampleMinutes: 5, keepDays: null },
    ]) {
      expect((await api(alice, 'PUT', '/api/v1/device-sources/location', body)).statusCode, JSON.stringify(body)).toBe(
        400,
      );
    }
    const unknown = await api(alice, 'PUT', '/api/v1/device-sources/teleport', {
      rawDays: 1,
      downsampleMinutes: null,
      keepDays: null,
      budgetMb: null,
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('raises one device.SourceOverBudget notification when a source outgrows its budget', async () => {
    const put = await api(alice, 'PUT', '/api/v1/device-sources/clipboard', {
      rawDays: 7,
      downsampleMinutes: null,
      keepDays: null,
      budgetMb: 1,
    });
    expect(put.statusCode, put.body).toBe(200);
    for (const batch of [0, 1]) {
      await upload(
        Array.from({ length: 60 }, (_, i) => ({
          id: `big-${batch}-${i}`,
          type: 'clipboard',
          ts: new Date().toISOString(),
          data: { text: 'x'.repeat(9_000) },
        })),
      );
    }
    await devices.retention.runForOwner(alice.id);
    await devices.retention.runForOwner(alice.id);
    const alerts = await hub.db.asOwner((tx) =>
      tx.query<{ subject: string; data: { bytes: number; budgetBytes: number } }>(
        `SELECT subject, data FROM made_open.outbox WHERE type = 'device.SourceOverBudget' AND owner_id = $1`,
        [alice.id],
      ),
    );
    expect(alerts.rows).toHaveLength(1);
    expect(alerts.rows[0]!.subject).toBe('clipboard');
    expect(alerts.rows[0]!.data.bytes).toBeGreaterThan(alerts.rows[0]!.data.budgetBytes);
    const clipboard = (await api(alice, 'GET', '/api/v1/device-sources'))
      .json()
      .items.find((s: { type: string }) => s.type === 'clipboard');
    expect(clipboard.overBudget).toBe(true);
  });
});
