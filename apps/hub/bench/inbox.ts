/**
 * Unified inbox benchmark: GET /api/v1/messages/threads (the first page, and the page after
 * it) and one thread's messages, over a synced mailbox seeded through graph ingest exactly as
 * the Microsoft 365 connector writes it (msgraph.mapping's messageItem over Graph-shaped
 * messages): INBOX_EMAILS (default 50,000) emails in INBOX_CONVERSATIONS (default 5,000)
 * conversations from 2,000 senders over two years, a third unread, a tenth with an attachment.
 * INBOX_OTHERS (default 1) more people get the same mailbox under their own accounts.
 *
 * Reads go one at a time through Fastify's inject (the hub's own event loop and database),
 * in three interleaved rounds, beside baselines measured in the same run and process, each
 * under the user's RLS through db.asUser (one transaction each):
 *   - newest 50: the owner's 50 newest emails by time, the least a list page must read
 *     (entities_email_newest serves it when the planner takes it: it is the baseline);
 *   - threads SQL: messagesRepository.threads alone (what the API's SQL costs);
 *   - select 1: a trivial statement in the same kind of transaction.
 *
 * `npx tsx bench/inbox.ts` runs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1, a scratch
 * database) and PGlite, each in its own process. BENCH_SECONDS (default 6) is each scenario's
 * time, split over the rounds; INBOX_DATABASES picks the databases; INBOX_EXPLAIN=1 prints the
 * plans. Not a test: nothing here asserts on timing.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Sql } from '../src/platform/db/index.ts';
import type { EventsModule } from '../src/modules/events/index.ts';
import type { GraphModule, IngestItem } from '../src/modules/graph/index.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const emails = Number(process.env.INBOX_EMAILS ?? 50_000);
const conversations = Number(process.env.INBOX_CONVERSATIONS ?? 5_000);
const others = Number(process.env.INBOX_OTHERS ?? 1);
const senders = 2_000;
const rounds = 3;
const self = 'me@example.com';
const spanMs = 2 * 365 * 86_400_000;
const end = Date.UTC(2026, 11, 1);

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Graph-shaped messages, oldest first; a conversation's messages spread over its own weeks. */
function graphMessages(): { message: Record<string, unknown>; folder: string; attachments?: unknown[] }[] {
  const out: { message: Record<string, unknown>; folder: string; attachments?: unknown[] }[] = [];
  for (let i = 0; i < emails; i++) {
    const conversation = i % conversations;
    const sender = `person${(conversation * 7 + (i % 3)) % senders}@example.org`;
    const outbound = i % 5 === 4;
    const at = end - spanMs + Math.floor((i / emails) * spanMs);
    const address = (a: string) => ({ emailAddress: { address: a, name: a.split('@')[0] } });
    out.push({
      folder: outbound ? 'sentitems' : 'inbox',
      message: {
        id: `AAMkBenchMail${i}`,
        conversationId: `AAQkBenchConversation${conversation}`,
        subject: `Re: topic ${conversation}`,
        from: address(outbound ? self : sender),
        toRecipients: [address(outbound ? sender : self)],
        ccRecipients: i % 7 === 0 ? [address(`person${(i * 13) % senders}@example.org`)] : [],
        receivedDateTime: new Date(at).toISOString(),
        sentDateTime: new Date(at).toISOString(),
        isRead: outbound || i % 3 !== 0,
        hasAttachments: i % 10 === 0,
        internetMessageId: `<bench-${i}@example.org>`,
        body: {
          contentType: 'html',
          content: `<p>Hello, about topic ${conversation}: message ${i}. Let us meet on Thursday and go through the plan.</p>`,
        },
      },
      ...(i % 10 === 0
        ? { attachments: [{ id: `att-${i}`, name: `plan-${i}.pdf`, contentType: 'application/pdf', size: 48_213 }] }
        : {}),
    });
  }
  return out;
}

type Scenario = { name: string; run: () => Promise<unknown> };
type Measured = { n: number; p50: number; p99: number; perSecond: number };

/** Each scenario `seconds / rounds` at a time, one call in flight, rounds interleaved. */
async function measure(scenarios: Scenario[]): Promise<Record<string, Measured>> {
  const samples = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
  const busy = new Map<string, number>(scenarios.map((s) => [s.name, 0]));
  for (const scenario of scenarios) for (let i = 0; i < 10; i++) await scenario.run(); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const scenario of scenarios) {
      const until = performance.now() + (seconds * 1000) / rounds;
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

async function runOne(kind: 'postgres' | 'pglite') {
  const { composeHub } = await import('../src/composition.ts');
  const { loadConfig } = await import('../src/platform/config.ts');
  const { createLogger } = await import('../src/platform/logger.ts');
  const { openDatabase } = await import('../src/platform/db/index.ts');
  const { messageItem } = await import('../src/modules/connectors/msgraph/msgraph.mapping.ts');
  const { messagesRepository: repo } = await import('../src/modules/messages/messages.repository.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-inbox-'));
  let databaseUrl: string | undefined;
  const dbName = `made_open_inbox_${randomBytes(4).toString('hex')}`;
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
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config, logger);
  const hub = await composeHub(config, logger, db);
  const graph = hub.modules.find((m) => m.name === 'graph') as GraphModule;
  const eventsModule = hub.modules.find((m) => m.name === 'events') as EventsModule;
  try {
    const signUp = async () => {
      const signup = await hub.app.inject({
        method: 'POST',
        url: '/auth/v1/signup',
        payload: { email: `inbox-${randomBytes(4).toString('hex')}@example.com`, password: 'bench-password-123' },
      });
      return signup.json() as { access_token: string; user: { id: string } };
    };
    const items: IngestItem[] = graphMessages().map(({ message, folder, attachments }) =>
      messageItem(message, { folder, self, attachments })!,
    );
    const ingestAll = async (ownerId: string) => {
      const ownerClaims = { role: 'authenticated' as const, sub: ownerId };
      for (let at = 0; at < items.length; at += 500) {
        await db.asUser(ownerClaims, (tx) =>
          graph.ingest(tx, { ownerId, actor: { kind: 'connector', id: 'bench' }, items: items.slice(at, at + 500) }),
        );
      }
    };
    const { access_token: token, user } = await signUp();
    const headers = { authorization: `Bearer ${token}` };
    const claims = { role: 'authenticated' as const, sub: user.id };
    const seedStart = performance.now();
    await ingestAll(user.id);
    for (let i = 0; i < others; i++) await ingestAll((await signUp()).user.id);
    const seedMs = performance.now() - seedStart;
    // Measured once the event consumers (search indexing and the rest) are idle.
    for (const startedWaiting = performance.now(); performance.now() - startedWaiting < 1_800_000;) {
      const [state] = (
        await db.asOwner((tx) =>
          tx.query<{ unpublished: string }>(
            `SELECT count(*)::text AS unpublished FROM made_open.outbox WHERE published_at IS NULL`,
          ),
        )
      ).rows;
      let lag = 0;
      for (const runner of eventsModule.consumers()) lag += await eventsModule.transport.lag(runner.spec);
      if (state!.unpublished === '0' && lag === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const consumersIdleMs = performance.now() - seedStart - seedMs;
    await db.asOwner((tx) => tx.query('ANALYZE public.entities'));

    const loadAtStart = load();
    const first = await hub.app.inject({ method: 'GET', url: '/api/v1/messages/threads?limit=50', headers });
    if (first.statusCode !== 200) throw new Error(`threads: ${first.statusCode} ${first.body}`);
    const page = first.json() as { threads: { id: string; unread: number }[]; nextCursor: string | null };
    if (page.threads.length !== 50 || !page.nextCursor) throw new Error(`threads: ${page.threads.length} threads`);
    const secondUrl = `/api/v1/messages/threads?limit=50&cursor=${encodeURIComponent(page.nextCursor)}`;
    const threadUrl = `/api/v1/messages/threads/${encodeURIComponent(page.threads[0]!.id)}`;
    const newest = (tx: Sql) =>
      tx.query(
        `SELECT m.id, m.body, m.properties FROM public.entities m
          WHERE m.owner_id = $1 AND m.type = 'message' AND m.properties ->> 'channel' = 'email' AND m.deleted_at IS NULL
          ORDER BY coalesce(m.occurred_at, m.created_at) DESC, m.id DESC LIMIT 50`,
        [user.id],
      );
    if (process.env.INBOX_EXPLAIN) {
      const planOf = async (label: string, sqlOf: (t: Sql) => Promise<unknown>) => {
        const lines: string[] = [];
        await db.asUser(claims, (tx) =>
          sqlOf({
            query: (async (text: string, params?: readonly unknown[]) => {
              const r = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
              lines.push(...r.rows.map((row) => row['QUERY PLAN']));
              return { rows: [], rowCount: 0 };
            }) as Sql['query'],
          }),
        );
        console.error(`-- ${label}\n${lines.join('\n')}`);
      };
      await planOf('threads (user, RLS)', (t) => repo.threads(t, user.id, 51, undefined));
      await planOf('newest 50 (user, RLS)', newest);
    }
    const measured = await measure([
      {
        name: 'api first page',
        run: async () => {
          const r = await hub.app.inject({ method: 'GET', url: '/api/v1/messages/threads?limit=50', headers });
          if (r.statusCode !== 200) throw new Error(`threads: ${r.statusCode}`);
        },
      },
      {
        name: 'api second page',
        run: async () => {
          const r = await hub.app.inject({ method: 'GET', url: secondUrl, headers });
          if (r.statusCode !== 200) throw new Error(`threads page 2: ${r.statusCode}`);
        },
      },
      {
        name: 'api thread',
        run: async () => {
          const r = await hub.app.inject({ method: 'GET', url: threadUrl, headers });
          if (r.statusCode !== 200) throw new Error(`thread: ${r.statusCode}`);
        },
      },
      { name: 'threads SQL', run: () => db.asUser(claims, (tx) => repo.threads(tx, user.id, 51, undefined)) },
      { name: 'newest 50', run: () => db.asUser(claims, newest) },
      { name: 'select 1', run: () => db.asUser(claims, (tx) => tx.query('SELECT 1')) },
    ]);
    console.log(
      `RESULT ${JSON.stringify({ kind, items: items.length, seedMs: Math.round(seedMs), consumersIdleMs: Math.round(consumersIdleMs), loadAtStart, loadAtEnd: load(), measured })}`,
    );
  } finally {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (kind === 'postgres') {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
  }
}

async function main() {
  const only = process.argv.find((a) => a.startsWith('--run='))?.slice(6) as 'postgres' | 'pglite' | undefined;
  if (only) return runOne(only);
  const kinds = (process.env.INBOX_DATABASES ?? 'postgres,pglite').split(',');
  console.log(
    `Unified inbox reads: ${emails} emails in ${conversations} conversations, ${others} other mailbox(es) on the hub; ${seconds} s per scenario\n`,
  );
  console.log(
    '| database | seed s (consumers idle after, s) | API first page p50 / p99 ms | second page p50 / p99 | one thread p50 / p99 | threads SQL p50 / p99 | newest 50 p50 | SELECT 1 tx p50 | first page × newest 50 (p50) |',
  );
  console.log('|---|---|---|---|---|---|---:|---:|---:|');
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
    const run = JSON.parse(line.slice(7)) as {
      seedMs: number;
      consumersIdleMs: number;
      loadAtStart: string;
      loadAtEnd: string;
      measured: Record<string, Measured>;
    };
    const m = run.measured;
    const pair = (name: string) => `${m[name]!.p50} / ${m[name]!.p99}`;
    console.log(
      `| ${kind} | ${(run.seedMs / 1000).toFixed(0)} (${(run.consumersIdleMs / 1000).toFixed(0)}) | ${pair('api first page')} | ${pair('api second page')} | ${pair('api thread')} | ${pair('threads SQL')} | ${m['newest 50']!.p50} | ${m['select 1']!.p50} | ${(m['api first page']!.p50 / m['newest 50']!.p50).toFixed(1)} |`,
    );
    console.log(`  (load ${run.loadAtStart} → ${run.loadAtEnd})`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
