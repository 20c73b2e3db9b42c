import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsRepository } from '../src/modules/jobs/jobs.repository.ts';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from './databases.ts';

/**
 * The catalog test Supabase recommends: it fails the build when any table the hub
 * creates lacks RLS or a policy, when a SECURITY DEFINER function is callable by the
 * request roles, or when a request role could get around RLS. New tables are covered
 * automatically.
 */
const appSchemas = ['public', 'made_open', 'auth'];

describe.each(testDatabaseKinds())('database catalog on %s', (kind) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.drop());

  const query = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    database.db.asOwner((tx) => tx.query<R>(text, params)).then((r) => r.rows);

  it('has tables to check (the migrations ran)', async () => {
    const rows = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)`,
      [appSchemas],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(5);
  });

  // Named so that a table guarding access between users cannot pass the checks below by being absent.
  it('has the tables that decide who may see what', async () => {
    const rows = await query<{ table: string }>(
      `SELECT n.nspname || '.' || c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)`,
      [appSchemas],
    );
    expect(rows.map((r) => r.table)).toEqual(
      expect.arrayContaining([
        'made_open.realtime_channel_grants',
        'made_open.device_app_usage_days',
        'made_open.device_app_usage_state',
        'made_open.calendar_starting_sent',
        'made_open.portability_restores',
        'made_open.msgraph_mailbox_pauses',
        'made_open.msgraph_mailbox_slots',
        'made_open.rate_limit_hits',
      ]),
    );
  });

  it('enables and forces RLS on every table in the app schemas', async () => {
    const rows = await query<{ table: string }>(
      `SELECT n.nspname || '.' || c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
         AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
       ORDER BY 1`,
      [appSchemas],
    );
    expect(rows.map((r) => r.table)).toEqual([]);
  });

  it('gives every table in the app schemas at least one policy', async () => {
    const rows = await query<{ table: string }>(
      `SELECT n.nspname || '.' || c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
       ORDER BY 1`,
      [appSchemas],
    );
    expect(rows.map((r) => r.table)).toEqual([]);
  });

  it('lets neither anon nor authenticated execute a SECURITY DEFINER function', async () => {
    const rows = await query<{ fn: string; role: string }>(
      `SELECT n.nspname || '.' || p.proname AS fn, r.rolname AS role
       FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       CROSS JOIN (VALUES ('anon'), ('authenticated')) AS r(rolname)
       WHERE p.prosecdef
         AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')
       ORDER BY 1, 2`,
    );
    expect(rows).toEqual([]);
  });

  it('keeps the request roles from owning tables or bypassing RLS', async () => {
    const owned = await query<{ table: string }>(
      `SELECT n.nspname || '.' || c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) IN ('anon', 'authenticated')`,
    );
    expect(owned).toEqual([]);
    const roles = await query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE rolname IN ('anon', 'authenticated') AND (rolbypassrls OR rolsuper)`,
    );
    expect(roles).toEqual([]);
  });

  // pg-boss's schema has no RLS: a request role that could insert a job would run it as the
  // system. The jobs module repeats the revoke after pg-boss's own start (jobs.privileges.test.ts).
  it('gives anon and authenticated no privilege on the pgboss schema, its tables, sequences or functions', async () => {
    const schema = await query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgboss'`);
    expect(schema[0]!.n).toBe(1);
    expect(await database.db.asOwner((tx) => jobsRepository.requestRolePrivileges(tx))).toEqual([]);
  });

  it('gives anon no write grant on any app table', async () => {
    const rows = await query<{ grant: string }>(
      `SELECT table_schema || '.' || table_name || ':' || privilege_type AS grant
       FROM information_schema.role_table_grants
       WHERE grantee = 'anon' AND table_schema = ANY($1)
         AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')`,
      [appSchemas],
    );
    expect(rows).toEqual([]);
  });

  // Bookkeeping no user may read or change (which addresses or clients are under attack, their delays and counts).
  const systemOnlyTables = ['made_open.auth_sign_in_failures', 'made_open.rate_limit_hits'];

  it('gives the request roles no privilege and no policy on system-only tables', async () => {
    const grants = await query<{ grant: string }>(
      `SELECT t || ':' || r || ':' || p AS grant
       FROM unnest($1::text[]) AS t
       CROSS JOIN (VALUES ('anon'), ('authenticated')) AS roles(r)
       CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES')) AS privileges(p)
       WHERE has_table_privilege(r, t, p)
          OR CASE WHEN p IN ('DELETE', 'TRUNCATE') THEN false ELSE has_any_column_privilege(r, t, p) END`,
      [systemOnlyTables],
    );
    expect(grants).toEqual([]);
    const policies = await query<{ policy: string }>(
      `SELECT schemaname || '.' || tablename || ':' || policyname AS policy FROM pg_policies
       WHERE schemaname || '.' || tablename = ANY($1) AND roles && ARRAY['anon', 'authenticated', 'public']::name[]`,
      [systemOnlyTables],
    );
    expect(policies).toEqual([]);
  });
});
