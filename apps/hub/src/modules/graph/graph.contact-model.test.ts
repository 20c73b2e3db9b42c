import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';

/**
 * The contact model through the API: every person property stored and returned as sent,
 * hostile values refused with a 400 that changes nothing, and relationships as typed links
 * between persons that only reach the owner's own people.
 */
const full = {
  givenName: 'Gwen',
  familyName: 'Ifans',
  birthday: '--04-23',
  anniversaries: [{ label: 'Wedding', date: '2015-06-20' }],
  organization: 'Gwasg Ifans',
  jobTitle: 'Editor',
  department: 'Books',
  addresses: [
    { label: 'Home', street: '1 Heol y Castell', locality: 'Cardiff', postalCode: 'CF10 1AA', country: 'Wales' },
  ],
  tags: ['choir', 'cycling'],
  groups: ['Friends'],
  photo: { bucket: 'contact-photos-x', path: 'p/1.png' },
  customFields: [{ label: 'Shoe size', value: '38' }],
};

describe.each(testDatabaseKinds())('the contact model on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const request = (user: SignedUpUser, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
    hub.app.inject({
      method,
      url,
      headers: bearer(user),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    hub = await createTestHub(kind, { AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000' });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(() => hub?.close());

  it('stores every part of a person and returns it as sent', async () => {
    const created = await request(alice, 'POST', '/api/v1/persons', { name: 'Gwen Ifans', properties: full });
    expect(created.statusCode).toBe(201);
    const read = await request(alice, 'GET', `/api/v1/entities/${created.json().id}`);
    expect(read.json().properties).toEqual(full);
  });

  it('refuses hostile properties with a 400 naming the field, and changes nothing', async () => {
    const person = (await request(alice, 'POST', '/api/v1/persons', { name: 'Target', properties: full })).json();
    const hostile: Record<string, unknown>[] = [
      { anniversaries: [{ label: 'Wedding', date: '2015-02-30' }] },
      { anniversaries: [{ label: '', date: '2015-01-01' }] },
      { addresses: [{ label: 'Nothing else' }] },
      { addresses: Array.from({ length: 11 }, () => ({ locality: 'x' })) },
      { photo: { bucket: 'contact-photos-x', path: '../../etc/passwd' } },
      { photo: { url: 'https://tracker.example/pixel.gif' } },
      { photo: { bucket: 'Not A Bucket!', path: 'a.png' } },
      { customFields: [{ label: 'x', value: 'a\u0000b' }] },
      { customFields: Array.from({ length: 51 }, (_, i) => ({ label: `f${i}`, value: '' })) },
      { tags: ['ok', 7] },
      { groups: Array.from({ length: 21 }, (_, i) => `g${i}`) },
      { birthday: '1990-13-01' },
      { relationships: [{ kind: 'partner' }] },
    ];
    for (const properties of hostile) {
      const response = await request(alice, 'PATCH', `/api/v1/entities/${person.id}`, {
        version: person.version,
        properties: { ...full, ...properties },
      });
      expect(response.statusCode, JSON.stringify(properties)).toBe(400);
      expect(response.json().error.details[0].path).toMatch(/^\/properties\//);
    }
    const after = (await request(alice, 'GET', `/api/v1/entities/${person.id}`)).json();
    expect(after.version).toBe(person.version);
    expect(after.properties).toEqual(full);
  });

  it("links people by relationship, never to another user's person", async () => {
    const ann = (await request(alice, 'POST', '/api/v1/persons', { name: 'Ann' })).json();
    const ben = (await request(alice, 'POST', '/api/v1/persons', { name: 'Ben' })).json();
    const linked = await request(alice, 'POST', '/api/v1/links', { kind: 'partner', fromId: ann.id, toId: ben.id });
    expect(linked.statusCode).toBe(201);
    const fromBen = (await request(alice, 'GET', `/api/v1/entities/${ben.id}/links`)).json();
    expect(fromBen.items).toEqual([
      expect.objectContaining({ kind: 'partner', direction: 'in', entity: expect.objectContaining({ id: ann.id }) }),
    ]);
    // Bob cannot tie his person to Alice's, whichever way round, nor see the link.
    const his = (await request(bob, 'POST', '/api/v1/persons', { name: 'Stranger' })).json();
    for (const [fromId, toId] of [
      [his.id, ann.id],
      [ann.id, his.id],
    ]) {
      const refused = await request(bob, 'POST', '/api/v1/links', { kind: 'friend', fromId, toId });
      expect(refused.statusCode).toBe(404);
    }
    expect((await request(bob, 'GET', `/api/v1/entities/${ann.id}/links`)).statusCode).toBe(404);
    expect((await request(alice, 'GET', `/api/v1/entities/${ann.id}/links`)).json().items).toHaveLength(1);
  });
});
