import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { restoreAndWait } from '../../../test/restores.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';

/**
 * Hostile takeout archives, one after another (a restore runs alone per account, so the
 * hostile-input sweep's concurrent requests only ever meet restore_running): each is refused
 * by the restore job with a clear 4xx, the account stays empty (a second, good restore is
 * still possible), and the hub keeps answering. The embedded database is enough: this is the
 * archive reader, not SQL.
 */
async function tarGz(entries: { name: string; body?: string; type?: 'file' | 'symlink'; linkname?: string }[]) {
  const pack = tarPack();
  for (const entry of entries) {
    pack.entry({ name: entry.name, type: entry.type ?? 'file', linkname: entry.linkname }, entry.body ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe('hostile takeout archives', () => {
  let hub: TestHub;
  let fresh: SignedUpUser;

  beforeAll(async () => {
    hub = await createTestHub('pglite');
    fresh = await signUpUser(hub);
  }, 120_000);
  afterAll(() => hub?.close());

  const graphOf = async (user: SignedUpUser) =>
    (await hub.app.inject({ method: 'GET', url: '/api/v1/entities', headers: bearer(user) })).json();

  it('refuses a gzip bomb, a symlink, a bad manifest and a cut-off archive, restoring nothing', async () => {
    const cases: [string, Buffer, number, RegExp][] = [
      // 200 MB of zeros packs into ~200 kB: refused once it unpacks past 64 MB at over 200:1.
      ['gzip bomb', gzipSync(Buffer.alloc(200 * 1024 * 1024)), 413, /compression bomb/],
      ['symlink', await tarGz([{ name: 'files/link', type: 'symlink', linkname: '/etc/passwd' }]), 400, /not listed/],
      [
        'manifest of the wrong shape',
        await tarGz([{ name: 'manifest.json', body: '{"version":[],"__proto__":{"x":1}}' }]),
        400,
        /is it a Made Open takeout/,
      ],
      [
        'cut off',
        (await tarGz([{ name: 'manifest.json', body: '{}' }])).subarray(0, 30),
        400,
        /unexpected end of file/,
      ],
      ['not gzip', Buffer.from('\u0000\u00ffjunk'), 400, /not a takeout archive/],
    ];
    for (const [name, archive, status, message] of cases) {
      const refused = await restoreAndWait(hub, fresh, archive);
      expect(refused.statusCode, `${name}: ${refused.body}`).toBe(status);
      expect(refused.json().error.message, name).toMatch(message);
    }
    expect((await graphOf(fresh)).items).toEqual([]);
    expect((await hub.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  }, 120_000);
});
