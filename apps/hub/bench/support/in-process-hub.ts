/**
 * A whole hub in this process for read benchmarks (bench/calendar.ts, bench/inbox.ts): composed
 * as the server composes it, on a scratch PostgreSQL database or a PGlite directory, with a
 * way to sign people up, ingest as a connector does, wait until the event consumers are idle,
 * and measure scenarios in interleaved rounds. Reads go through Fastify's inject, so the hub's
 * event loop and database are the ones measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { EventsModule } from '../../src/modules/events/index.ts';
import type { Database } from '../../src/platform/db/index.ts';
import type { GraphModule, IngestItem } from '../../src/modules/graph/index.ts';

export type DatabaseKind = 'postgres' | 'pglite';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface Scenario {
  name: string;
  run: () => Promise<unknown>;
}

export interface Measured {
  n: number;
  p50: number;
  p99: number;
  perSecond: number;
}

/**
 * Each scenario `seconds / rounds` at a time, one call in flight, rounds interleaved (so a
 * noisy minute falls on every scenario alike), after `warmUp` calls of each.
 */
export async function measure(
  scenarios: Scenario[],
  options: { seconds: number; rounds: number; warmUp: number },
): Promise<Record<string, Measured>> {
  const samples = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
  const busy = new Map<string, number>(scenarios.map((s) => [s.name, 0]));
  for (const scenario of scenarios) for (let i = 0; i < options.warmUp; i++) await scenario.run();
  for (let round = 0; round < options.rounds; round++) {
    for (const scenario of scenarios) {
      const until = performance.now() + (options.seconds * 1000) / options.rounds;
      const into = samples.get(scenario.name)!;
      const roundStart = performance.now();
      while (performance.now() < until) {
        const started = performance.now();
        await scenario.run();
        into.push(performance.now() - started);
      }
      busy.set(scenario.name, busy.get(scenario.name)! + performance.now() - roundStart);
    }
  }
  return Object.fromEntries(
    scenarios.map((s) => {
      const values = samples.get(s.name)!;
      return [
        s.name,
        {
          n: values.length,
          p50: +percentile(values, 50).toFixed(2),
          p99: +percentile(values, 99).toFixed(2),
          perSecond: Math.round((values.length / busy.get(s.name)!) * 1000),
        },
      ];
    }),
  );
}

/** Events not yet published and the consumers' lag behind them; caught up when both are none. */
export async function eventBacklog(db: Database, eventsModule: EventsModule) {
  const [state] = (
    await db.asOwner((tx) =>
      tx.query<{ unpublished: string }>(
        `SELECT count(*)::text AS unpublished FROM made_open.outbox WHERE published_at IS NULL`,
      ),
    )
  ).rows;
  let lag = 0;
  for (const runner of eventsModule.consumers()) lag += await eventsModule.transport.lag(runner.spec);
  return { unpublished: Number(state!.unpublished), lag, caughtUp: state!.unpublished === '0' && lag === 0 };
}

/** A hub on a scratch database of `kind`; `close` stops it and removes the database. */
export async function openInProcessHub(kind: DatabaseKind, label: string) {
  const { composeHub } = await import('../../src/composition.ts');
  const { loadConfig } = await import('../../src/platform/config.ts');
  const { createLogger } = await import('../../src/platform/logger.ts');
  const { openDatabase } = await import('../../src/platform/db/index.ts');
  const dataDir = mkdtempSync(join(tmpdir(), `made-open-${label}-`));
  let databaseUrl: string | undefined;
  const dbName = `made_open_${label}_${randomBytes(4).toString('hex')}`;
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0', DATABASE_URL: databaseUrl });
  const db = await openDatabase(config, createLogger(config.logLevel));
  const hub = await composeHub(config, createLogger(config.logLevel), db);
  const graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
  const eventsModule = hub.modules.find((m) => m.name === 'events') as EventsModule;

  return {
    hub,
    db,
    /** A new account: its access token and user id. */
    async signUp() {
      const signup = await hub.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        payload: { email: `${label}-${randomBytes(4).toString('hex')}@example.com`, password: 'bench-password-123' },
      });
      return signup.json() as { access_token: string; user: { id: string } };
    },
    /** Items stored for `ownerId` through graph ingest, 500 a transaction, as a connector stores a page. */
    async ingestAll(ownerId: string, items: IngestItem[]) {
      const claims = { role: 'authenticated' as const, sub: ownerId };
      for (let at = 0; at < items.length; at += 500)
        await db.asUser(claims, (tx) =>
          graph.ingest(tx, { ownerId, actor: { kind: 'connector', id: 'bench' }, items: items.slice(at, at + 500) }),
        );
    },
    /** Waits (at most `limitMs`) until every event is published and every consumer has caught up. */
    async consumersIdle(limitMs: number) {
      for (const started = performance.now(); performance.now() - started < limitMs;) {
        if ((await eventBacklog(db, eventsModule)).caughtUp) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres') {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}
