import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';

/**
 * A compressed request body is refused with 415 unsupported_content_encoding, in the shape of
 * the API it was sent to, and nothing is stored. Before, `Content-Encoding: gzip` was ignored
 * and the compressed bytes were parsed as plain text: stored as an object's content, or a 400
 * that blamed the JSON.
 */
describe.each(testDatabaseKinds())('compressed request bodies on %s', (kind) => {
  let hub: TestHub;
  let alice: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub(kind);
    alice = await signUpUser(hub);
    const bucket = await hub.app.inject({
      method: 'POST',
      url: '/storage/v1/bucket',
      headers: bearer(alice),
      payload: { name: 'zipped' },
    });
    expect(bucket.statusCode, bucket.body).toBe(200);
  }, 120_000);
  afterAll(() => hub?.close());

  const json = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));

  it('refuses gzip, deflate, br and unknown codings under /api/v1 in the hub shape, storing nothing', async () => {
    for (const coding of ['gzip', 'deflate', 'br', 'x-unknown', 'identity, gzip', 'GZIP']) {
      const response = await hub.app.inject({
        method: 'POST',
        url: '/api/v1/entities',
        headers: { ...bearer(alice), 'content-type': 'application/json', 'content-encoding': coding },
        payload: json({ type: 'note', title: `zipped ${coding}` }),
      });
      expect(response.statusCode, `${coding}: ${response.body}`).toBe(415);
      expect(response.json().error.code).toBe('unsupported_content_encoding');
      expect(response.json().error.message).toMatch(/send the body uncompressed/);
      expect(response.headers['accept-encoding']).toBe('identity');
    }
    const listed = await hub.app.inject({ method: 'GET', url: '/api/v1/entities?type=note', headers: bearer(alice) });
    expect(JSON.stringify(listed.json())).not.toContain('zipped');
  });

  it('answers /auth/v1 in GoTrue shape and /storage/v1 in Storage shape', async () => {
    const auth = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/token?grant_type=password',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: json({ email: alice.email, password: alice.password }),
    });
    expect(auth.statusCode, auth.body).toBe(415);
    expect(auth.json()).toMatchObject({ code: 415, error_code: 'unsupported_content_encoding' });

    const upload = await hub.app.inject({
      method: 'POST',
      url: '/storage/v1/object/zipped/a.txt',
      headers: { ...bearer(alice), 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.from('hello')),
    });
    expect(upload.statusCode, upload.body).toBe(415);
    expect(upload.json()).toMatchObject({ statusCode: '415', error: 'unsupported_content_encoding' });
    const info = await hub.app.inject({
      method: 'GET',
      url: '/storage/v1/object/info/zipped/a.txt',
      headers: bearer(alice),
    });
    expect(info.statusCode).toBe(404);
  });

  it('takes identity, and a bodiless request whatever it declares', async () => {
    const identity = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/entities',
      headers: { ...bearer(alice), 'content-type': 'application/json', 'content-encoding': 'identity' },
      payload: { type: 'note', title: 'plain' },
    });
    expect(identity.statusCode, identity.body).toBe(201);
    const bodiless = await hub.app.inject({
      method: 'GET',
      url: '/api/v1/entities?type=note',
      headers: { ...bearer(alice), 'content-encoding': 'gzip' },
    });
    expect(bodiless.statusCode, bodiless.body).toBe(200);
  });
});
