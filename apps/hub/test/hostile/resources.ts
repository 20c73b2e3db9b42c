import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { Hub } from '../../src/composition.ts';
import { pairDevice, uploadEvents } from '../../src/modules/devices/test/support.ts';
import { installAndConsent, manifest } from '../../src/modules/plugins/test/fixtures.ts';
import { bearer, type SignedUpUser } from '../users.ts';

type Json = Record<string, any>;

/**
 * Real resources for the sweep, made through the real API before it starts: the ids behind
 * every path parameter where one can be made, and the values a valid body, query or header
 * needs to name one (the other person of a merge, an MFA challenge, a rule's webhook secret).
 */
export async function makeResources(
  hub: Hub,
  user: SignedUpUser,
  options: {
    rulesExample: object;
    throwawayUsers: ReadonlyMap<string, SignedUpUser>;
    /** An account with no graph yet: the one a takeout restore goes into. */
    fresh: SignedUpUser;
  },
) {
  async function send(method: 'GET' | 'POST', url: string, payload?: object, as: SignedUpUser = user) {
    const response = await hub.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json() as Json;
  }
  const create = (url: string, payload: object, as?: SignedUpUser) => send('POST', url, payload, as);
  const entity = async (type: string, title: string) =>
    (await create('/api/v1/entities', { type, title })).id as string;

  const note = await entity('note', 'sweep');
  const person = await entity('person', 'Sweep Person');
  const task = await entity('task', 'sweep');
  const event = (
    await create('/api/v1/calendar/events', {
      title: 'sweep',
      startsAt: '2026-01-02T03:04:05Z',
      endsAt: '2026-01-02T04:04:05Z',
    })
  ).id as string;
  const device = (await create('/api/v1/devices', { name: 'sweep', kind: 'agent' })).device.id as string;
  const rule = (
    await create('/api/v1/rules', { definition: options.rulesExample, approve: ['messages:send:sms', 'notify'] })
  ).rule.id as string;
  const credential = (
    await create('/api/v1/credentials', {
      type: 'twilio',
      name: 'sweep',
      secret: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'sweep-auth-token-0' },
    })
  ).id as string;
  const takeout = (await create('/api/v1/takeouts', {})).id as string;
  const identifier = (await create(`/api/v1/persons/${person}/identifiers`, { kind: 'phone', value: '+14155550100' }))
    .identifiers[0].id as string;
  // A CSV import: its column mapping is what PUT /imports/{id}/mapping changes.
  const imported = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/imports?name=sweep.csv&kind=csv',
    headers: { ...bearer(user), 'content-type': 'text/csv' },
    payload: 'name,phone\nSweep Import,+14155550111\n',
  });
  expect(imported.statusCode, imported.body).toBeLessThan(300);
  await create('/storage/v1/bucket', { name: 'sweep' });
  await create('/storage/v1/bucket', { name: 'sweep-objects' });
  // A public bucket too: its objects' public routes read without a token.
  await create('/storage/v1/bucket', { name: 'sweep-public', public: true });
  for (const [bucket, name] of [
    ['sweep-objects', 'folder/file.txt'],
    ['sweep-public', 'folder/file.txt'],
    // What POST /object/move moves, so that folder/file.txt stays for the other routes.
    ['sweep-objects', 'movable/file.txt'],
  ]) {
    const upload = await hub.app.inject({
      method: 'POST',
      url: `/storage/v1/object/${bucket}/${name}`,
      headers: { ...bearer(user), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(upload.statusCode, upload.body).toBe(200);
  }

  // A link between the note and the person (DELETE /links/{id}); POST /links gets both ids.
  const link = (await create('/api/v1/links', { kind: 'about', fromId: note, toId: person })).id as string;

  // Persons to merge: one already merged (its mergeId for undo), one for POST /persons/{id}/merge.
  const merged = (await create('/api/v1/persons', { name: 'Sweep Merged' })).id as string;
  const mergeId = (await create(`/api/v1/persons/${person}/merge`, { otherId: merged })).mergeId as string;
  const mergeOther = (await create('/api/v1/persons', { name: 'Sweep Merge Other' })).id as string;

  // Duplicate suggestions (one to accept, one to dismiss): persons sharing an email, matched
  // asynchronously by the identity consumer.
  for (const n of [1, 2]) {
    for (const name of [`Ada Sweep${n}`, `Ada S${n}`]) {
      await create('/api/v1/persons', { name, emails: [`ada${n}@sweep.example`] });
    }
  }
  const suggestions = await waitFor(async () => {
    const page = await send('GET', '/api/v1/persons/suggestions?limit=100');
    return page.items.length >= 2 ? (page.items as Json[]).map((s) => s.id as string) : undefined;
  }, 'two duplicate suggestions');

  // A stored assistant conversation (asking needs a model; the route only reads it).
  const conversation = await hub.db.asUser(user.claims, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      'INSERT INTO made_open.ai_conversations (owner_id, title) VALUES ($1, $2) RETURNING id',
      [user.id, 'sweep'],
    );
    return rows[0]!.id;
  });

  // A visit: a paired phone's 30 minutes at one place, two days ago (detected as it is uploaded).
  const phone = await pairDevice(hub, user, { name: 'sweep phone', kind: 'phone' });
  const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000 + 9 * 3_600_000;
  await uploadEvents(
    hub,
    phone.token,
    Array.from({ length: 16 }, (_, i) => ({
      id: `sweep-${i}`,
      type: 'location',
      ts: new Date(start + i * 120_000).toISOString(),
      data: { lat: 51.5 + (i % 2) * 0.0001, lon: -0.12, accuracyM: 10 },
    })),
  );
  const visits = await send(
    'GET',
    `/api/v1/visits?from=${new Date(start - 3_600_000).toISOString()}&to=${new Date(start + 3 * 3_600_000).toISOString()}`,
  );
  expect(visits.items.length, JSON.stringify(visits)).toBeGreaterThan(0);
  const visit = visits.items[0].id as string;

  // An installed, consented plugin that runs and answers.
  const pluginId = 'sweep-plugin';
  await installAndConsent(
    hub,
    user,
    manifest(pluginId, []),
    'module.exports = { async run(input) { return { echoed: JSON.stringify(input ?? null).length }; } };',
  );

  // A rule run (its trace is what GET and rerun read), and webhook-triggered rules: one the
  // sweep calls with its secret, one whose secret the sweep rotates.
  const ruleRun = (await create(`/api/v1/rules/${rule}/run`, {})).runId as string;
  const hookRule = (approve: string) =>
    create('/api/v1/rules', {
      definition: {
        name: `sweep hook ${approve}`,
        triggers: [{ id: 'hook', type: 'webhook' }],
        steps: [{ id: 'tell', type: 'action', action: 'notify', with: { title: 'hook {{ trigger.data.word }}' } }],
      },
      approve: ['notify'],
      enabled: true,
    });
  const hook = await hookRule('called');
  const rotated = await hookRule('rotated');

  // MFA: each throwaway user of the factor routes has a TOTP factor; verify gets a challenge.
  const factors = new Map<string, { factor: string; challenge?: string }>();
  for (const [route, owner] of options.throwawayUsers) {
    const match = /^(\w+) \/auth\/v1\/factors\/\{id\}(\/\w+)?$/.exec(route);
    if (!match) continue;
    const factor = (await create('/auth/v1/factors', { factor_type: 'totp', friendly_name: 'sweep' }, owner))
      .id as string;
    const challenge =
      match[2] === '/verify'
        ? ((await create(`/auth/v1/factors/${factor}/challenge`, {}, owner)).id as string)
        : undefined;
    factors.set(route, { factor, challenge });
  }

  // A restore into the fresh account (of an archive that is not one: it fails, and the
  // account stays empty for the sweep's own restores).
  const restoring = await hub.app.inject({
    method: 'POST',
    url: '/api/v1/takeouts/restore',
    headers: { ...bearer(options.fresh), 'content-type': 'application/gzip' },
    payload: gzipSync('not a tar'),
  });
  expect(restoring.statusCode, restoring.body).toBe(202);
  const restore = restoring.json().id as string;
  await waitFor(async () => {
    const row = await send('GET', `/api/v1/takeouts/restore/${restore}`, undefined, options.fresh);
    return ['failed', 'restored'].includes(row.status) ? row : undefined;
  }, 'the failed restore');

  return {
    restore,
    note,
    person,
    task,
    event,
    device,
    rule,
    credential,
    takeout,
    identifier,
    import: imported.json().id as string,
    link,
    mergeId,
    mergeOther,
    suggestions: { accept: suggestions[0]!, dismiss: suggestions[1]! },
    conversation,
    visit,
    phone: { id: phone.deviceId, token: phone.token },
    pluginId,
    ruleRun,
    hookRule: { id: hook.rule.id as string, secret: hook.webhookSecret as string },
    rotatedRule: rotated.rule.id as string,
    factors,
  };
}
export type Resources = Awaited<ReturnType<typeof makeResources>>;

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`no ${what} after ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
