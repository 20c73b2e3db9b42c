import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDatabaseUrl, postgresTestsRequired } from '../../../test/databases.ts';
import { OperatorError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { platformMigrations } from './index.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { connectPostgres } from './postgres.ts';
import type { Database } from './types.ts';

const silent = createLogger('silent');

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `made_open_dbtest_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: adminDatabaseUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

const kinds = postgresTestsRequired() ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

describe.each(kinds)('database on %s', (kind) => {
  let db: Database;
  let drop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    if (kind === 'pglite') {
      db = await openPglite();
    } else {
      const fresh = await freshPostgres();
      drop = fresh.drop;
      db = await connectPostgres({ url: fresh.url, logger: silent, poolSize: 3 });
    }
    await migrate(db, [platformMigrations], silent);
  });

  afterAll(async () => {
    await db.close();
    await drop();
  });

  it('runs a request as the authenticated role with the claims set, in one statement', async () => {
    const sub = randomUUID();
    const { rows } = await db.queryAsUser<{ uid: string; role: string; email: string; who: string }>(
      { role: 'authenticated', sub, email: "o'neil@example.com" },
      'SELECT auth.uid() AS uid, auth.role() AS role, auth.email() AS email, current_user AS who WHERE $1::int = 1',
      [1],
    );
    expect(rows).toEqual([{ uid: sub, role: 'authenticated', email: "o'neil@example.com", who: 'authenticated' }]);
  });

  it('runs a system statement as service_role, every time, also after a failed one', async () => {
    for (let i = 0; i < 4; i++) {
      const { rows } = await db.querySystem<{ who: string }>('SELECT current_user AS who WHERE $1::int = 1', [1]);
      expect(rows).toEqual([{ who: 'service_role' }]);
      await expect(db.querySystem('SELECT 1 / $1::int', [0])).rejects.toThrow(/division by zero/);
    }
  });

  it('leaves no role or claims behind on the connection', async () => {
    for (let i = 0; i < 5; i++) {
      await db.queryAsUser({ role: 'authenticated', sub: randomUUID() }, 'SELECT 1');
      await db.asUser({ role: 'anon' }, (tx) => tx.query('SELECT 1'));
    }
    const rows = await db.asOwner(async (tx) => {
      const results = [];
      for (let i = 0; i < 5; i++) {
        results.push(
          (
            await tx.query<{ who: string; claims: string | null }>(
              `SELECT current_user AS who, nullif(current_setting('request.jwt.claims', true), '') AS claims`,
            )
          ).rows[0],
        );
      }
      return results;
    });
    for (const row of rows) {
      expect(row?.who).not.toBe('authenticated');
      expect(row?.claims).toBeNull();
    }
  });

  it('gives every request its own claims on shared connections, also after a failed statement', async () => {
    const users = Array.from({ length: 12 }, () => randomUUID());
    const seen = await Promise.all(
      users.map(async (sub, i) => {
        if (i % 3 === 0)
          await expect(db.queryAsUser({ role: 'authenticated', sub }, 'SELECT 1 / (0 * $1::int)', [1])).rejects.toThrow(
            /division by zero/,
          );
        const anon = await db.queryAsUser<{ uid: string | null; who: string }>(
          { role: 'anon' },
          'SELECT auth.uid() AS uid, current_user AS who',
        );
        const own = await db.queryAsUser<{ uid: string; who: string }>(
          { role: 'authenticated', sub },
          'SELECT auth.uid() AS uid, current_user AS who',
        );
        return [anon.rows[0], own.rows[0]];
      }),
    );
    seen.forEach(([anon, own], i) => {
      expect(anon).toEqual({ uid: null, who: 'anon' });
      expect(own).toEqual({ uid: users[i], who: 'authenticated' });
    });
  });

  it('refuses to run a request as a role that bypasses RLS', async () => {
    await expect(db.queryAsUser({ role: 'service_role' as never }, 'SELECT 1')).rejects.toThrow(/Refusing/);
  });

  it('rolls back everything when the work fails', async () => {
    await db.exec('CREATE TABLE IF NOT EXISTS public.rollback_probe (n int)');
    await expect(
      db.asOwner(async (tx) => {
        await tx.query('INSERT INTO public.rollback_probe VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.asOwner((tx) => tx.query('SELECT count(*)::int AS n FROM public.rollback_probe'));
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('gives the request roles no way around RLS', async () => {
    const { rows } = await db.asOwner((tx) =>
      tx.query<{ rolname: string; rolbypassrls: boolean; rolsuper: boolean }>(
        `SELECT rolname, rolbypassrls, rolsuper FROM pg_roles WHERE rolname IN ('anon', 'authenticated') ORDER BY rolname`,
      ),
    );
    expect(rows).toEqual([
      { rolname: 'anon', rolbypassrls: false, rolsuper: false },
      { rolname: 'authenticated', rolbypassrls: false, rolsuper: false },
    ]);
  });

  it('applies migrations once and refuses an edited one', async () => {
    expect(await migrate(db, [platformMigrations], silent)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, '0001_probe.sql'), 'CREATE TABLE public.migration_probe (n int);');
    expect(await migrate(db, [{ module: 'probe', dir }], silent)).toEqual(['probe/0001_probe']);
    writeFileSync(join(dir, '0001_probe.sql'), 'CREATE TABLE public.migration_probe (n bigint);');
    await expect(migrate(db, [{ module: 'probe', dir }], silent)).rejects.toBeInstanceOf(OperatorError);
  });
});

describe.runIf(postgresTestsRequired())('migrations from two hub instances at once', () => {
  it('apply each migration exactly once', async () => {
    const fresh = await freshPostgres();
    const first = await connectPostgres({ url: fresh.url, logger: silent, poolSize: 2 });
    const second = await connectPostgres({ url: fresh.url, logger: silent, poolSize: 2 });
    try {
      const [a, b] = await Promise.all([
        migrate(first, [platformMigrations], silent),
        migrate(second, [platformMigrations], silent),
      ]);
      expect([...a, ...b].sort()).toEqual(['platform/0001_roles_and_auth_schema', 'platform/0002_rate_limits']);
    } finally {
      await first.close();
      await second.close();
      await fresh.drop();
    }
  });
});
