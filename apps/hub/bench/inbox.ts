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
 *   - newest 50: the owner's 50 most recently updated entities, in order from an index
 *     (entities_owner_updated): the least any page of 50 costs, the baseline;
 *   - threads SQL: messagesRepository.threads alone (what the API's SQL costs);
 *   - select 1: a trivial statement in the same kind of transaction.
 *
 * `npx tsx bench/inbox.ts` runs PostgreSQL (TEST_DATABASE_URL or 127.0.0.1, a scratch
 * database) and PGlite, each in its own process. BENCH_SECONDS (default 6) is each scenario's
 * time, split over the rounds; INBOX_DATABASES picks the databases; INBOX_EXPLAIN=1 prints the
 * plans. Not a test: nothing here asserts on timing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Sql } from '../src/platform/db/index.ts';
import type { IngestItem } from '../src/modules/graph/index.ts';
import { loadAverage, measure, openInProcessHub, type Measured } from './support/in-process-hub.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const emails = Number(process.env.INBOX_EMAILS ?? 50_000);
const conversations = Number(process.env.INBOX_CONVERSATIONS ?? 5_000);
const others = Number(process.env.INBOX_OTHERS ?? 1);
const senders = 2_000;
const rounds = 3;
const self = 'me@example.com';
const spanMs = 2 * 365 * 86_400_000;
const end = Date.UTC(2026, 11, 1);

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

async function runOne(kind: 'postgres' | 'pglite') {
  const { messageItem } = await import('../src/modules/connectors/msgraph/msgraph.mapping.ts');
  const { messagesRepository: repo } = await import('../src/modules/messages/messages.repository.ts');
  const { hub, db, signUp, ingestAll, consumersIdle, close } = await openInProcessHub(kind, 'inbox');
  try {
    const items: IngestItem[] = graphMessages().map(({ message, folder, attachments }) =>
      messageItem(message, { folder, self, attachments })!,
    );
    const { access_token: token, user } = await signUp();
    const headers = { authorization: `Bearer ${token}` };
    const claims = { role: 'authenticated' as const, sub: user.id };
    const seedStart = performance.now();
    await ingestAll(user.id, items);
    for (let i = 0; i < others; i++) await ingestAll((await signUp()).user.id, items);
    const seedMs = performance.now() - seedStart;
    // Measured once the event consumers (search indexing and the rest) are idle.
    await consumersIdle(1_800_000);
    const consumersIdleMs = performance.now() - seedStart - seedMs;
    await db.asOwner((tx) => tx.query('ANALYZE public.entities'));

    const loadAtStart = loadAverage();
    const first = await hub.app.inject({ method: 'GET', url: '/api/v1/messages/threads?limit=50', headers });
    if (first.statusCode !== 200) throw new Error(`threads: ${first.statusCode} ${first.body}`);
    const page = first.json() as { threads: { id: string; unread: number }[]; nextCursor: string | null };
    if (page.threads.length !== 50 || !page.nextCursor) throw new Error(`threads: ${page.threads.length} threads`);
    const secondUrl = `/api/v1/messages/threads?limit=50&cursor=${encodeURIComponent(page.nextCursor)}`;
    const threadUrl = `/api/v1/messages/threads/${encodeURIComponent(page.threads[0]!.id)}`;
    // The least a page of 50 can cost: 50 rows of the owner's, in order, from an index.
    const newest = (tx: Sql) =>
      tx.query(
        `SELECT e.id, e.body, e.properties FROM public.entities e
          WHERE e.owner_id = $1 ORDER BY e.updated_at DESC, e.id DESC LIMIT 50`,
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
    const measured = await measure(
      [
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
      ],
      { seconds, rounds, warmUp: 10 },
    );
    console.log(
      `RESULT ${JSON.stringify({ kind, items: items.length, seedMs: Math.round(seedMs), consumersIdleMs: Math.round(consumersIdleMs), loadAtStart, loadAtEnd: loadAverage(), measured })}`,
    );
  } finally {
    await close();
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
