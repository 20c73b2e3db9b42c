import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import type { TestHub } from '../../../test/hub.ts';
import { bearer } from '../../../test/users.ts';
import { davRequest, davUser, listeningDavHub } from './test/support.ts';
import { davx5Calendar, davx5Contacts, iosContacts, type RecordedStep } from './test/recorded.ts';

/**
 * Recorded request sequences of iOS Contacts and DAVx5 (test/recorded.ts, written from
 * their documentation) replayed over HTTP against a listening hub, step by step: each
 * step's status, what its answer must contain, and the hrefs and tokens a client learns
 * from it for the next steps.
 */
// HTTP round trips through PGlite on a shared 2-core machine: generous per-test time.
vi.setConfig({ testTimeout: 120_000 });

describe.each(testDatabaseKinds())('recorded phone clients on %s', (kind) => {
  let hub: TestHub;
  let url: string;

  beforeAll(async () => {
    ({ hub, url } = await listeningDavHub(kind));
  }, 180_000);
  afterAll(() => hub?.close());

  async function replay(steps: RecordedStep[]) {
    const user = await davUser(hub);
    const seeded = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/persons',
      headers: bearer(user),
      payload: { name: 'Seeded Person', phones: ['+14155550100'] },
    });
    expect(seeded.statusCode, seeded.body).toBe(201);
    const learned: Record<string, string> = {};
    const fill = (text: string) => text.replace(/\{(\w+)\}/g, (_, name: string) => learned[name] ?? `{${name}}`);
    for (const step of steps) {
      const response = await davRequest(url, user, step.method, fill(step.path), {
        headers: {
          ...(step.depth ? { depth: step.depth } : {}),
          ...(step.body && !step.headers?.['content-type'] ? { 'content-type': 'text/xml; charset=utf-8' } : {}),
          ...step.headers,
        },
        ...(step.body !== undefined ? { body: fill(step.body) } : {}),
      });
      expect(response.status, `${step.note}: ${response.text}`).toBe(step.status);
      if (step.status === 301) expect(response.headers.get('location')).toBe('/dav/');
      for (const expected of step.contains ?? []) expect(response.text, step.note).toContain(expected);
      for (const { name, pattern } of step.learn ?? []) {
        const match = pattern.exec(response.text);
        expect(match, `${step.note}: learn ${name} from ${response.text}`).not.toBeNull();
        learned[name] = match![1]!;
      }
    }
    return user;
  }

  it('iOS Contacts: discovery, sync, multiget, upload, conflict, incremental sync', async () => {
    const user = await replay(iosContacts);
    const persons = await hub.app.inject({
      method: 'GET',
      url: '/api/v1/entities?type=person&q=Chidi',
      headers: bearer(user),
    });
    expect(persons.json().items[0]).toMatchObject({ title: 'Chidi Okafor', source: 'dav' });
  });

  it('DAVx5 contacts: discovery, vCard 4.0, upload, ETag-guarded delete', async () => {
    await replay(davx5Contacts);
  });

  it('DAVx5 calendar: discovery, upload with a time zone and alarm, time-range query, multiget', async () => {
    const user = await replay(davx5Calendar);
    const window = await hub.app.inject({
      method: 'GET',
      url: '/api/v1/calendar/events?from=2026-12-15T00:00:00Z&to=2026-12-16T00:00:00Z',
      headers: bearer(user),
    });
    const event = window.json().events.find((e: { title: string }) => e.title === 'Dentist');
    expect(event).toMatchObject({ timeZone: 'Europe/Berlin' });
    expect(Date.parse(event.startsAt)).toBe(Date.parse('2026-12-15T13:30:00Z'));
  });
});
