import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEvent, type NewEventOf } from '@made-open/shared';
import { allEventDefinitions, createEventRegistry } from '@made-open/shared/event-registry';
import pg from 'pg';
import { z } from 'zod';
import { migrate } from '../../../platform/db/migrate.ts';
import { openPglite } from '../../../platform/db/pglite.ts';
import { connectPostgres } from '../../../platform/db/postgres.ts';
import type { Database } from '../../../platform/db/types.ts';
import { platformMigrations } from '../../../platform/db/index.ts';
import { createLogger } from '../../../platform/logger.ts';
import { auditMigrations } from '../../audit/index.ts';
import { eventsMigrations } from '../index.ts';

/**
 * Test support for the events and audit modules: databases migrated with only the
 * platform, events and audit migrations (independent of other modules), private
 * nats-server processes, and test event types.
 */
export type Kind = 'pglite' | 'postgres';

export function databaseKinds(): Kind[] {
  return process.env.CI === 'true' || process.env.TEST_DATABASE_URL !== undefined ? ['pglite', 'postgres'] : ['pglite'];
}

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const silent = createLogger(process.env.EVENTS_TEST_LOG ?? 'silent');
const sources = [platformMigrations, eventsMigrations, auditMigrations];

export interface EventsTestDatabase {
  db: Database;
  kind: Kind;
  drop(): Promise<void>;
}

export async function openTestDatabase(kind: Kind, poolSize = 10): Promise<EventsTestDatabase> {
  if (kind === 'pglite') {
    const db = await openPglite();
    await migrate(db, sources, silent);
    await createEffectsTable(db);
    return { db, kind, drop: () => db.close() };
  }
  const name = `made_open_events_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await connectPostgres({ url: url.toString(), logger: silent, poolSize });
  await migrate(db, sources, silent);
  await createEffectsTable(db);
  return {
    db,
    kind,
    async drop() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** A table test consumers write their effects to (through the consumer's transaction). */
async function createEffectsTable(db: Database) {
  await db.exec(`
    CREATE TABLE public.test_effects (
      seq bigserial PRIMARY KEY,
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      owner_id uuid NOT NULL,
      n integer NOT NULL
    );
    GRANT SELECT, INSERT ON public.test_effects TO service_role;
    GRANT USAGE ON SEQUENCE public.test_effects_seq_seq TO service_role;
  `);
}

export const testCounted = defineEvent('test.Counted', 1, z.object({ n: z.number().int() }));
export const testPoison = defineEvent('test.Poison', 1, z.object({ n: z.number().int() }));
export const testOther = defineEvent('test.Other', 1, z.object({ n: z.number().int() }));
export const testRegistry = createEventRegistry([...allEventDefinitions, testCounted, testPoison, testOther]);
/** The platform's events plus the test types: what the tests' outboxes accept. */
export type TestEventMap = NonNullable<(typeof testRegistry)['eventMap']>;
export type TestEvent = NewEventOf<TestEventMap>;
/** The test types, all with data { n }. */
export type TestType = 'test.Counted' | 'test.Poison' | 'test.Other';

export function uuid(): string {
  return crypto.randomUUID();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A private nats-server with JetStream (never the shared one on 4222). */
export interface NatsServer {
  url: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'made-open-nats-'));
  let child: ChildProcess | undefined;

  async function start() {
    child = spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = new net.Socket();
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.connect(port, '127.0.0.1');
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error('nats-server did not start');
      await sleep(50);
    }
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM') {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await exited;
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      await stop('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
