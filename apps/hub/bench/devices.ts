/**
 * Device events benchmark (issue 16): POST /device-events in batches of 1,000 location events
 * through the whole hub (Fastify inject: JSON parse, zod per event, device-token check, one
 * multi-row insert under the owner's RLS, counter upsert), against a raw multi-row INSERT of
 * the same rows into the same table (same indexes, as the owner role, no validation) in the
 * same run. Goal: ingestion >= 0.3x the raw INSERT's events/s, on PostgreSQL and PGlite.
 * Ingestion includes the stay detector (devices.visits.ts), which every location batch runs;
 * `visits` reports how many stays it found in the synthetic track.
 *
 * Then disk: the table's total size (heap + indexes, after VACUUM FULL) holding the ingested
 * events, and after the retention job thins them to one point per 10 minutes. The events are
 * one fix every 10 s, so thinning keeps 1 in 60. Measured at DEVICE_EVENTS (default 100,000)
 * and extrapolated linearly to a million events.
 *
 * Then app usage: APP_USAGE_EVENTS (default 50,000) focus events of one day three days back
 * (active_app heartbeats and focus changes, with an idle every 50th) uploaded from a laptop, and
 * the devices.app-usage job's code summarising that owner's pending days (`summariseMs`).
 *
 * `npx tsx bench/devices.ts` runs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1) and PGlite, each
 * in its own process. Not a test.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevicesModule } from '../src/modules/devices/index.ts';
import { createDatabase } from './support/http-bench.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const eventCount = Number(process.env.DEVICE_EVENTS ?? 100_000);
const batchSize = 1_000;
const appUsageEvents = Number(process.env.APP_USAGE_EVENTS ?? 50_000);
/** Focus event i of a day three days back (UTC): an event every 86,400 s / APP_USAGE_EVENTS. */
const focusDayMs = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;
const focus = (i: number) => {
  const ts = new Date(focusDayMs + Math.floor((i * 86_400_000) / appUsageEvents)).toISOString();
  if (i % 50 === 49) return { id: `idle-${i}`, type: 'idle' as const, ts, data: { idle: i % 100 === 49 } };
  const app = ['Editor', 'Browser', 'Terminal', 'Chat', 'Mail'][i % 5]!;
  return {
    id: `app-${i}`,
    type: 'active_app' as const,
    ts,
    data: { app, title: `${app} window ${i % 17}`, ...(i % 3 === 0 ? {} : { durationSeconds: 5 }) },
  };
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Fix i: one every 10 s, starting 60 days ago (past the default 30 raw days). */
const startMs = Math.floor((Date.now() - 60 * 86_400_000) / 600_000) * 600_000;
const fix = (prefix: string, i: number) => ({
  id: `${prefix}-${i}`,
  type: 'location' as const,
  ts: new Date(startMs + i * 10_000).toISOString(),
  seq: i,
  data: { lat: 51.5 + (i % 1000) / 100_000, lon: -0.12 + (i % 700) / 100_000, accuracyM: 5 + (i % 20) },
});

async function runOne(kind: 'postgres' | 'pglite') {
  const { composeHub } = await import('../src/composition.ts');
  const { loadConfig } = await import('../src/platform/config.ts');
  const { createLogger } = await import('../src/platform/logger.ts');
  const { openDatabase } = await import('../src/platform/db/index.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-devices-'));
  const database = kind === 'postgres' ? await createDatabase(adminUrl) : undefined;
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0', DATABASE_URL: database?.url });
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger);
  const hub = await composeHub(config, logger, db, { devices: { uploadBurst: 1_000_000 } });
  const devices = hub.modules.find((m) => m.name === 'devices') as unknown as DevicesModule;
  const loadAtStart = load();
  try {
    const signup = await hub.app.inject({
      method: 'POST',
      url: '/auth/v1/signup',
      payload: { email: `devices-${randomBytes(4).toString('hex')}@example.com`, password: 'bench-password-123' },
    });
    const { access_token: accessToken, user } = signup.json() as { access_token: string; user: { id: string } };
    const pair = async (name: string) => {
      const made = await hub.app.inject({
        method: 'POST',
        url: '/api/v1/devices',
        headers: { authorization: `Bearer ${accessToken}` },
        payload: { name },
      });
      const { device, pairing } = made.json() as { device: { id: string }; pairing: { code: string } };
      const exchanged = await hub.app.inject({ method: 'POST', url: '/devices/pair', payload: { code: pairing.code } });
      return { id: device.id, token: (exchanged.json() as { token: string }).token };
    };
    const phone = await pair('Bench phone');
    const raw = await pair('Raw baseline');

    // Baseline: the same rows, multi-row INSERT into the same table, as the owner role.
    const rawStart = performance.now();
    for (let from = 0; from < eventCount; from += batchSize) {
      const params: unknown[] = [];
      const values: string[] = [];
      for (let i = from; i < Math.min(from + batchSize, eventCount); i++) {
        const event = fix('raw', i);
        const n = params.length;
        params.push(raw.id, event.id, user.id, event.type, event.ts, event.ts, event.seq, JSON.stringify(event.data));
        values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`);
      }
      await db.asOwner((tx) =>
        tx.query(
          `INSERT INTO made_open.device_events (device_id, event_id, owner_id, type, device_time, time, seq, data) VALUES ${values.join(', ')}`,
          params,
        ),
      );
    }
    const rawMs = performance.now() - rawStart;

    const ingestStart = performance.now();
    for (let from = 0; from < eventCount; from += batchSize) {
      const events = [];
      for (let i = from; i < Math.min(from + batchSize, eventCount); i++) events.push(fix('phone', i));
      const response = await hub.app.inject({
        method: 'POST',
        url: '/device-events',
        headers: { authorization: `Bearer ${phone.token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ sentAt: new Date().toISOString(), events }),
      });
      const body = response.json() as { stored: number };
      if (response.statusCode !== 200 || body.stored !== events.length) {
        throw new Error(`upload failed: ${response.statusCode} ${response.body.slice(0, 300)}`);
      }
    }
    const ingestMs = performance.now() - ingestStart;
    const visits = await db.asOwner(async (tx) =>
      Number(
        (
          await tx.query<{ n: string }>(
            'SELECT count(*)::text AS n FROM made_open.device_visits WHERE device_id = $1',
            [phone.id],
          )
        ).rows[0]!.n,
      ),
    );

    // Disk: only the ingested device's events, the table rewritten so dead space does not count.
    const size = async () => {
      await db.exec('VACUUM FULL made_open.device_events');
      const { rows } = await db.asOwner((tx) =>
        tx.query<{ bytes: string; heap: string }>(
          `SELECT pg_total_relation_size('made_open.device_events')::text AS bytes,
                  pg_relation_size('made_open.device_events')::text AS heap`,
        ),
      );
      return { total: Number(rows[0]!.bytes), heap: Number(rows[0]!.heap) };
    };
    await db.asOwner((tx) => tx.query('DELETE FROM made_open.device_events WHERE device_id = $1', [raw.id]));
    const before = await size();
    const retentionStart = performance.now();
    const deleted = await devices.retention.runForOwner(user.id);
    const retentionMs = performance.now() - retentionStart;
    const after = await size();

    // App usage: a day of focus events from a laptop, then the summariser over the owner's pending days.
    const laptop = await pair('Bench laptop');
    for (let from = 0; from < appUsageEvents; from += batchSize) {
      const events = [];
      for (let i = from; i < Math.min(from + batchSize, appUsageEvents); i++) events.push(focus(i));
      const response = await hub.app.inject({
        method: 'POST',
        url: '/device-events',
        headers: { authorization: `Bearer ${laptop.token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ sentAt: new Date().toISOString(), events }),
      });
      if (response.statusCode !== 200) throw new Error(`focus upload failed: ${response.statusCode}`);
    }
    const summariseStart = performance.now();
    const summarised = await devices.appUsage.summariseOwner(user.id);
    const summariseMs = performance.now() - summariseStart;
    if (summarised.stored < 1) throw new Error('the app-usage day was not stored');
    const perMillion = (bytes: number) => Math.round(((bytes / eventCount) * 1_000_000) / 1024 / 1024);
    const result = {
      kind,
      events: eventCount,
      rawPerSecond: Math.round((eventCount / rawMs) * 1000),
      ingestPerSecond: Math.round((eventCount / ingestMs) * 1000),
      ratio: Number((rawMs / ingestMs).toFixed(2)),
      visits,
      bytesPerEvent: Math.round(before.total / eventCount),
      mibPerMillionBefore: perMillion(before.total),
      mibPerMillionAfter: perMillion(after.total),
      kept: eventCount - deleted,
      retentionMs: Math.round(retentionMs),
      focusEvents: appUsageEvents,
      summariseMs: Math.round(summariseMs),
      summarisedDays: summarised.days,
      loadAtStart,
      loadAtEnd: load(),
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

async function main() {
  const only = process.argv.find((a) => a.startsWith('--run='))?.slice(6) as 'postgres' | 'pglite' | undefined;
  if (only) return runOne(only);
  const kinds = (process.env.DEVICE_DATABASES ?? 'postgres,pglite').split(',');
  console.log(`Device events: ${eventCount} location events in batches of ${batchSize}\n`);
  const rows: Record<string, number | string>[] = [];
  for (const kind of kinds) {
    const result = spawnSync(
      join(import.meta.dirname, '../node_modules/.bin/tsx'),
      [import.meta.filename, `--run=${kind}`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        env: process.env,
      },
    );
    const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`${kind} run failed:\n${result.stdout}`);
    const figures = JSON.parse(line.slice(7)) as Record<string, number | string>;
    console.log(`  ${kind}: ${JSON.stringify(figures)}`);
    rows.push(figures);
  }
  console.log(
    '\n| database | raw INSERT events/s | POST /device-events events/s | × raw | visits found | bytes/event | MiB per 1M events | after thinning to 1/10 min | retention run ms | summarise a day of N focus events, ms | load start → end |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const f of rows) {
    console.log(
      `| ${f.kind} | ${f.rawPerSecond} | ${f.ingestPerSecond} | ${f.ratio} | ${f.visits} | ${f.bytesPerEvent} | ${f.mibPerMillionBefore} | ${f.mibPerMillionAfter} (${f.kept} kept) | ${f.retentionMs} | ${f.summariseMs} (N = ${f.focusEvents}, ${f.summarisedDays} days) | ${f.loadAtStart} → ${f.loadAtEnd} |`,
    );
  }
  const slow = rows.filter((f) => Number(f.ratio) < 0.3);
  if (slow.length > 0) console.log(`\nBelow the 0.3x goal: ${slow.map((f) => f.kind).join(', ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
