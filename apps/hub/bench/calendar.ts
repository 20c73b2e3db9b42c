/**
 * Calendar window benchmark: GET /api/v1/calendar/events?from=&to= for a week, a month and
 * a 400-day window, over one person's year of calendar seeded through graph ingest as
 * connectors write it: 2,000 single events (a quarter with attendees), 30 hub series
 * (weekly RRULE masters, source `calendar`, two exceptions each) and 20 Microsoft 365 series
 * (source `msgraph`: a master with its recurrence, plus 50 occurrences each, 1,000 in all).
 *
 * CALENDAR_OTHERS (default 3) more people on the same hub get the same year (the same generator,
 * under their own accounts) before the first person's reads are measured, to show whether the
 * span query reads their calendars too (the plan summary names the indexes it scans).
 *
 * Reads go one at a time through Fastify's inject (the hub's own event loop and database),
 * in three interleaved rounds, beside baselines measured in the same run and process, each
 * under the user's RLS through db.asUser (one transaction each):
 *   - bare: the window's span query alone (calendarRepository.overlapping);
 *   - owner: the same query as the database owner, without RLS (for comparison: only leakproof
 *     tests may be index conditions under RLS; the summary names the indexes each plan scans
 *     and the buffers it touched, CALENDAR_EXPLAIN=1 prints the plans);
 *   - mastersOf: the lookup of the series masters of the window's provider occurrences alone,
 *     and `SELECT 1` in the same kind of transaction (mastersOf less that is the lookup's cost);
 *   - bare + mastersOf: both in one transaction (what the lookup adds to a read's SQL);
 *   - all SQL: every query the read runs (span, hub masters, their exceptions, provider
 *     masters, attendees) in one transaction; the rest of an API read is the hub's own work
 *     (its connections, expanding hub series, building and serialising the answer).
 *
 * `npx tsx bench/calendar.ts` runs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1, a scratch
 * database) and PGlite, each in its own process. BENCH_SECONDS (default 6) is each scenario's
 * time per window, split over the rounds; CALENDAR_DATABASES picks the databases. Not a test:
 * nothing here asserts on timing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Sql } from '../src/platform/db/index.ts';
import type { IngestItem } from '../src/modules/graph/index.ts';
import { loadAverage, measure, openInProcessHub, type Measured } from './support/in-process-hub.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const others = Number(process.env.CALENDAR_OTHERS ?? 3);
const rounds = 3;
const singles = 2_000;
const hubSeries = 30;
const providerSeries = 20;
const occurrencesPerSeries = 50;
const dayMs = 86_400_000;
const yearStart = Date.UTC(2026, 0, 1);

/** The windows read: [name, from, to] (400 days is the longest a read may ask for). */
const windows: [string, string, string][] = [
  ['week', '2026-06-01T00:00:00Z', '2026-06-08T00:00:00Z'],
  ['month', '2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z'],
  ['400 days', '2025-12-01T00:00:00Z', '2027-01-05T00:00:00Z'],
];
/** The window service widens its scan by the largest zone offsets (calendar.service.ts zoneSlackMs). */
const zoneSlackMs = 14 * 3_600_000;
/** What one answer holds at most, plus one (calendar.service.ts maxEvents). */
const scanLimit = 3001;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The provider series (source + master's id) the window's provider occurrences belong to, each once. */
function providerSeriesOf(rows: { source: string | null; properties: Record<string, unknown> }[]) {
  const keys = new Map<string, { source: string; externalId: string }>();
  for (const row of rows)
    if (row.source && row.source !== 'calendar' && typeof row.properties.seriesId === 'string')
      keys.set(`${row.source}\n${row.properties.seriesId}`, {
        source: row.source,
        externalId: row.properties.seriesId,
      });
  return [...keys.values()];
}
const attendeePool = Array.from({ length: 100 }, (_, i) => `colleague${i}@example.com`);

/** The seeded calendar, in ingest pages' order: series masters before their instances. */
function seed(): IngestItem[] {
  const items: IngestItem[] = [];
  for (let i = 0; i < singles; i++) {
    // Spread over the year, 08:00–17:00 UTC, 30–90 minutes; every 20th is all-day.
    const day = yearStart + Math.floor((i * 365) / singles) * dayMs;
    const allDay = i % 20 === 0;
    const start = day + (8 + (i % 10)) * 3_600_000;
    const attendees = i % 4 === 0 ? [attendeePool[i % 100]!, attendeePool[(i * 7 + 3) % 100]!] : [];
    const local = i % 2 === 0;
    items.push({
      type: 'calendar_event',
      source: local ? 'calendar' : 'msgraph',
      externalId: local ? `single-${i}` : `AAMkSingle${i}`,
      title: `Meeting ${i}`,
      body: i % 3 === 0 ? 'Agenda: review, plan, next steps.' : '',
      occurredAt: iso(start),
      properties: {
        startsAt: allDay ? iso(day).slice(0, 10) : iso(start),
        endsAt: allDay ? iso(day + dayMs).slice(0, 10) : iso(start + (30 + (i % 3) * 30) * 60_000),
        allDay,
        kind: 'single',
        ...(local ? { myResponse: 'organizer' as const } : { calendar: 'Calendar', changeKey: `ck-${i}` }),
        ...(attendees.length > 0 ? { attendees } : {}),
      },
      people: attendees.map((email) => ({ role: 'attendee', email })),
    });
  }
  for (let s = 0; s < hubSeries; s++) {
    // Weekly from the first days of January, in UTC (so an occurrence's key is its UTC time).
    const start = yearStart + (4 + (s % 5)) * dayMs + (9 + (s % 8)) * 3_600_000;
    const externalId = `series-${s}`;
    items.push({
      type: 'calendar_event',
      source: 'calendar',
      externalId,
      title: `Weekly ${s}`,
      occurredAt: iso(start),
      properties: {
        startsAt: iso(start),
        endsAt: iso(start + 3_600_000),
        allDay: false,
        timeZone: 'UTC',
        kind: 'master',
        myResponse: 'organizer',
        recurrence: 'FREQ=WEEKLY',
      },
    });
    // Two moved occurrences per series, each an exception keyed by its original start.
    for (const week of [10 + (s % 20), 30 + (s % 15)]) {
      const original = start + week * 7 * dayMs;
      const key = iso(original).replace(/[-:]/g, '').slice(0, 15);
      items.push({
        type: 'calendar_event',
        source: 'calendar',
        externalId: `${externalId}@${key}`,
        title: `Weekly ${s} (moved)`,
        occurredAt: iso(original + 3_600_000),
        properties: {
          startsAt: iso(original + 3_600_000),
          endsAt: iso(original + 2 * 3_600_000),
          allDay: false,
          timeZone: 'UTC',
          kind: 'exception',
          seriesId: externalId,
          myResponse: 'organizer',
        },
      });
    }
  }
  for (let s = 0; s < providerSeries; s++) {
    const start = yearStart + (5 + (s % 5)) * dayMs + (10 + (s % 6)) * 3_600_000;
    const master = `AAMkSeries${s}`;
    items.push({
      type: 'calendar_event',
      source: 'msgraph',
      externalId: master,
      title: `Team sync ${s}`,
      occurredAt: iso(start),
      properties: {
        startsAt: iso(start),
        endsAt: iso(start + 1_800_000),
        allDay: false,
        kind: 'master',
        recurrence: 'FREQ=WEEKLY',
        calendar: 'Calendar',
        changeKey: `ck-series-${s}`,
      },
    });
    for (let k = 0; k < occurrencesPerSeries; k++) {
      const at = start + k * 7 * dayMs;
      items.push({
        type: 'calendar_event',
        source: 'msgraph',
        externalId: `${master}-occ-${k}`,
        title: `Team sync ${s}`,
        occurredAt: iso(at),
        properties: {
          startsAt: iso(at),
          endsAt: iso(at + 1_800_000),
          allDay: false,
          kind: 'occurrence',
          seriesId: master,
          calendar: 'Calendar',
          changeKey: `ck-series-${s}-${k}`,
        },
      });
    }
  }
  return items;
}

/** Which indexes (or sequential scans) a plan reads, the rows its filters dropped, and the buffers it touched. */
function summarisePlan(lines: string[]) {
  const scans = new Set<string>();
  let removed = 0;
  for (const line of lines) {
    const scan =
      /(Bitmap Index Scan on|Index Only Scan(?: Backward)? using|Index Scan(?: Backward)? using|Seq Scan on) (\S+)/.exec(
        line,
      );
    if (scan) scans.add(`${scan[1]!.startsWith('Seq') ? 'seq scan' : 'index'} ${scan[2]}`);
    const dropped = /Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(line);
    if (dropped) removed += Number(dropped[1]);
  }
  const buffers = lines.find((l) => /Buffers:/.test(l))?.replace(/.*Buffers: /, '') ?? '';
  return { scans: [...scans].join(', '), removed, buffers };
}

async function runOne(kind: 'postgres' | 'pglite') {
  const { calendarRepository: repo } = await import('../src/modules/calendar/calendar.repository.ts');
  const { hub, db, signUp, ingestAll, consumersIdle, close } = await openInProcessHub(kind, 'calendar');
  try {
    const items = seed();
    const { access_token: token, user } = await signUp();
    const headers = { authorization: `Bearer ${token}` };
    const claims = { role: 'authenticated' as const, sub: user.id };

    const seedStart = performance.now();
    await ingestAll(user.id, items);
    // The other people's calendars: the same year, each under its own account.
    for (let i = 0; i < others; i++) await ingestAll((await signUp()).user.id, items);
    const seedMs = performance.now() - seedStart;
    // Measured once the event consumers (search indexing and the rest) are idle.
    await consumersIdle(600_000);
    if (kind === 'postgres') await db.asOwner((tx) => tx.query('ANALYZE'));

    const loadAtStart = loadAverage();
    const results: Record<string, unknown>[] = [];
    for (const [name, from, to] of windows) {
      const scanFrom = new Date(Date.parse(from) - zoneSlackMs).toISOString();
      const scanTo = new Date(Date.parse(to) + zoneSlackMs).toISOString();
      const url = `/api/v1/calendar/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      const answer = await hub.app.inject({ method: 'GET', url, headers });
      if (answer.statusCode !== 200) throw new Error(`${name}: ${answer.statusCode} ${answer.body}`);
      const body = answer.json() as {
        events: { seriesEntityId?: string | null; source: string }[];
        truncated: boolean;
      };
      const linked = body.events.filter((e) => e.source === 'msgraph' && typeof e.seriesEntityId === 'string').length;
      const rows = await db.asUser(claims, (tx) => repo.overlapping(tx, user.id, scanFrom, scanTo, scanLimit));
      const wanted = providerSeriesOf(rows);
      const masters = await db.asUser(claims, (tx) => repo.mastersOf(tx, user.id, wanted));
      if (masters.length !== wanted.length) throw new Error(`${name}: ${masters.length} of ${wanted.length} masters`);

      // The plans as a read runs them (under RLS), and the span query as the owner.
      const planOf = async (tx: Sql, sqlOf: (t: Sql) => Promise<unknown>) => {
        const lines: string[] = [];
        await sqlOf({
          query: (async (text: string, params?: readonly unknown[]) => {
            const r = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
            lines.push(...r.rows.map((row) => row['QUERY PLAN']));
            return { rows: [], rowCount: 0 };
          }) as Sql['query'],
        });
        return lines;
      };
      const userPlan = await db.asUser(claims, (tx) =>
        planOf(tx, (t) => repo.overlapping(t, user.id, scanFrom, scanTo, scanLimit)),
      );
      const ownerPlan = await db.asOwner((tx) =>
        planOf(tx, (t) => repo.overlapping(t, user.id, scanFrom, scanTo, scanLimit)),
      );
      if (process.env.CALENDAR_EXPLAIN) {
        const mastersPlan = await db.asUser(claims, (tx) => planOf(tx, (t) => repo.mastersOf(t, user.id, wanted)));
        console.error(
          [
            `${kind} ${name}:`,
            '-- overlapping (user, RLS)',
            ...userPlan,
            '-- mastersOf (user, RLS)',
            ...mastersPlan,
            '-- overlapping (owner, no RLS)',
            ...ownerPlan,
          ].join('\n'),
        );
      }
      const measured = await measure(
        [
          {
            name: 'api',
            run: async () => {
              const r = await hub.app.inject({ method: 'GET', url, headers });
              if (r.statusCode !== 200) throw new Error(`${name}: ${r.statusCode}`);
            },
          },
          {
            name: 'bare',
            run: () => db.asUser(claims, (tx) => repo.overlapping(tx, user.id, scanFrom, scanTo, scanLimit)),
          },
          // The same query without RLS (the owner's role): what the indexes make of it with no policy.
          { name: 'owner', run: () => db.asOwner((tx) => repo.overlapping(tx, user.id, scanFrom, scanTo, scanLimit)) },
          // A transaction under the user's claims with a trivial statement: what any query's own transaction costs.
          { name: 'select 1', run: () => db.asUser(claims, (tx) => tx.query('SELECT 1')) },
          { name: 'mastersOf', run: () => db.asUser(claims, (tx) => repo.mastersOf(tx, user.id, wanted)) },
          {
            name: 'bare+mastersOf',
            run: () =>
              db.asUser(claims, async (tx) => {
                const found = await repo.overlapping(tx, user.id, scanFrom, scanTo, scanLimit);
                return repo.mastersOf(tx, user.id, providerSeriesOf(found));
              }),
          },
          {
            name: 'all SQL',
            run: () =>
              db.asUser(claims, async (tx) => {
                const found = await repo.overlapping(tx, user.id, scanFrom, scanTo, scanLimit);
                const hubMasters = await repo.localMasters(tx, 'calendar', scanTo);
                await repo.exceptionsOf(
                  tx,
                  'calendar',
                  hubMasters.map((m) => m.external_id!),
                );
                await repo.mastersOf(tx, user.id, providerSeriesOf(found));
                return repo.attendees(
                  tx,
                  [...found, ...hubMasters].map((r) => r.id),
                );
              }),
          },
        ],
        { seconds, rounds, warmUp: 20 },
      );
      results.push({
        window: name,
        events: body.events.length,
        truncated: body.truncated,
        rows: rows.length,
        providerOccurrences: rows.filter((r) => r.properties.kind === 'occurrence').length,
        linked,
        series: wanted.length,
        plan: summarisePlan(userPlan),
        ownerPlan: summarisePlan(ownerPlan),
        ...measured,
      });
    }
    console.log(
      `RESULT ${JSON.stringify({ kind, others, items: items.length, seedMs: Math.round(seedMs), loadAtStart, loadAtEnd: loadAverage(), results })}`,
    );
  } finally {
    await close();
  }
}

interface PlanSummary {
  scans: string;
  removed: number;
  buffers: string;
}

interface RunResult {
  kind: string;
  others: number;
  items: number;
  seedMs: number;
  loadAtStart: string;
  loadAtEnd: string;
  results: (Record<string, Measured> & {
    window: string;
    events: number;
    truncated: boolean;
    rows: number;
    providerOccurrences: number;
    linked: number;
    series: number;
    plan: PlanSummary;
    ownerPlan: PlanSummary;
  })[];
}

async function main() {
  const only = process.argv.find((a) => a.startsWith('--run='))?.slice(6) as 'postgres' | 'pglite' | undefined;
  if (only) return runOne(only);
  const kinds = (process.env.CALENDAR_DATABASES ?? 'postgres,pglite').split(',');
  console.log(
    `Calendar window reads: ${others} other people's calendars on the hub, then ${singles} single events, ${hubSeries} hub series, ${providerSeries} provider series of ${occurrencesPerSeries} occurrences; ${seconds} s per scenario and window\n`,
  );
  const runs: RunResult[] = [];
  for (const kind of kinds) {
    const result = spawnSync(
      join(import.meta.dirname, '../node_modules/.bin/tsx'),
      [import.meta.filename, `--run=${kind}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`${kind} run failed:\n${result.stdout}`);
    const run = JSON.parse(line.slice(7)) as RunResult;
    console.log(
      `  ${kind}: ${run.items} items for each of ${run.others + 1} people ingested in ${(run.seedMs / 1000).toFixed(1)} s; load ${run.loadAtStart} → ${run.loadAtEnd}`,
    );
    runs.push(run);
  }
  console.log(
    '\n| database | window | events (provider occurrences, with seriesEntityId) | API p50 / p99 ms | API reads/s | bare span query p50 / p99 ms | × bare (p50) | span query without RLS p50 ms | mastersOf alone p50 ms (series) | SELECT 1 tx p50 ms | bare + mastersOf p50 ms | all SQL p50 ms | mastersOf − SELECT 1, share of API p50 |',
  );
  console.log('|---|---|---|---|---:|---|---:|---:|---|---:|---:|---:|---:|');
  for (const run of runs) {
    for (const r of run.results) {
      const api = r.api!;
      const bare = r.bare!;
      const lookup = r.mastersOf!.p50 - r['select 1']!.p50;
      console.log(
        `| ${run.kind} | ${r.window} | ${r.events}${r.truncated ? ' (truncated)' : ''} (${r.providerOccurrences}, ${r.linked}) | ${api.p50} / ${api.p99} | ${api.perSecond} | ${bare.p50} / ${bare.p99} | ${(api.p50 / bare.p50).toFixed(1)} | ${r.owner!.p50} | ${r.mastersOf!.p50} (${r.series}) | ${r['select 1']!.p50} | ${r['bare+mastersOf']!.p50} | ${r['all SQL']!.p50} | ${lookup.toFixed(2)} ms, ${((lookup / api.p50) * 100).toFixed(1)} % |`,
      );
    }
  }
  console.log(
    '\n| database | others | window | span query under RLS: scans | rows its filters dropped | buffers | as the owner: scans |',
  );
  console.log('|---|---:|---|---|---:|---|---|');
  for (const run of runs)
    for (const r of run.results)
      console.log(
        `| ${run.kind} | ${run.others} | ${r.window} | ${r.plan.scans} | ${r.plan.removed} | ${r.plan.buffers} | ${r.ownerPlan.scans} |`,
      );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
