/**
 * Microsoft 365 benchmark (issue 13): the initial sync of a large mailbox (default 50,000
 * messages, 5,000 events, 2,000 contacts; BENCH_MSGRAPH_SIZE="m,e,c") from the Graph
 * STAND-IN (src/modules/connectors/msgraph/test/stand-in, in this process) through a hub
 * process, against the stand-in's raw paging rate (the same delta pages fetched with no
 * processing) in the same run; on PostgreSQL and PGlite. Also: the hub's RSS growth during
 * the sync, and the p99 of its API (GET /api/v1/connections/:id and /api/v1/entities) while
 * it runs. Not a test: nothing here asserts on timing. The hub inherits this process's
 * environment: with NATS_URL set it runs on NATS, and on PostgreSQL each mailbox's pause and
 * slots are then shared across instances (ADR 0033; the cost of that is what an A/B shows).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, startNodeProcess, stopAllProcesses, stopProcess, waitUntilUp } from './support/http-bench.ts';
import { pageSizes } from '../src/modules/connectors/msgraph/msgraph.sync.ts';
import { generateAccount } from '../src/modules/connectors/msgraph/test/stand-in/generator.ts';
import { startMsgraphStandIn, type MsgraphStandIn } from '../src/modules/connectors/msgraph/test/stand-in/server.ts';
import { addAccount, type StandInAccount } from '../src/modules/connectors/msgraph/test/stand-in/state.ts';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const [messages = 50_000, events = 5_000, contacts = 2_000] = (process.env.BENCH_MSGRAPH_SIZE ?? '')
  .split(',')
  .filter(Boolean)
  .map(Number);
let nextPort = 5100 + Math.floor(Math.random() * 200);

/** A process and its descendants (tsx runs the hub in a child). */
function processTree(root: number): Set<number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents)
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
  }
  return tree;
}

/** Resident memory of a process and its descendants, bytes. */
function treeRss(root: number): number {
  let total = 0;
  for (const pid of processTree(root)) {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

/**
 * CPU time (user + system) of a process and its descendants, seconds (clock ticks of 1/100 s,
 * Linux's USER_HZ): less disturbed than wall-clock time by other work on a shared machine.
 */
function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
};

/** Every delta page of every resource, fetched with no processing: the stand-in's raw paging rate. */
async function rawPaging(standIn: MsgraphStandIn, account: StandInAccount) {
  const token = `at.bench-${randomUUID()}`;
  standIn.state.accessTokens.set(token, { accountId: account.id, expiresAt: Date.now() + 3_600_000 });
  const day = 86_400_000;
  const now = Math.floor(Date.now() / day) * day;
  const calendar = `/me/calendarView/delta?startDateTime=${new Date(now - 400 * day).toISOString()}&endDateTime=${new Date(now + 400 * day).toISOString()}`;
  const starts: [string, number][] = [
    ...['inbox', 'sentitems', 'archive'].map(
      (f) => [`/me/mailFolders/${f}/messages/delta`, pageSizes.mail] as [string, number],
    ),
    [calendar, pageSizes.calendar],
    ['/me/contacts/delta', pageSizes.contacts],
  ];
  const started = performance.now();
  let items = 0;
  for (const [path, size] of starts) {
    let url: string | undefined = `${standIn.graphUrl}${path}`;
    while (url) {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, prefer: `odata.maxpagesize=${size}, IdType="ImmutableId"` },
      });
      const page = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string };
      items += page.value.length;
      url = page['@odata.nextLink'];
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { items, seconds, rate: items / seconds };
}

async function benchHub(
  label: string,
  databaseUrl: string | undefined,
  standIn: MsgraphStandIn,
  account: StandInAccount,
) {
  const port = nextPort++;
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'made-open-bench-'));
  const clientId = randomUUID();
  standIn.state.apps.set(clientId, { clientId, redirectUris: [`${base}/oauth/microsoft/callback`] });
  standIn.state.signInAs = account.id;
  // BENCH_CPU_PROF=<dir>: the hub writes a V8 CPU profile there (read it with bench/profile-summary.ts).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const hub = startNodeProcess(profile, ['src/main.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl ?? '',
    PUBLIC_URL: base,
    MSGRAPH_LOGIN_URL: standIn.loginUrl,
    MSGRAPH_API_URL: standIn.graphUrl,
    AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '100000',
    AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
  });
  try {
    await waitUntilUp(`${base}/health`, hub);
    const signup = await fetch(`${base}/auth/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${randomBytes(4).toString('hex')}@example.com`,
        password: 'bench-password-123',
      }),
    });
    const { access_token: token } = (await signup.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };
    const post = async (path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: body ? { ...auth, 'content-type': 'application/json' } : auth,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, string>;
    };
    const credential = await post('/api/v1/credentials', {
      type: 'microsoft',
      name: 'Bench',
      secret: { tenantId: 'common', clientId, clientSecret: '' },
    });
    await post(`/api/v1/credentials/${credential.id}/test`);
    const { authorizeUrl } = await post('/api/v1/connections/microsoft/authorize', {
      credentialId: credential.id,
      options: { calendarPastDays: 400, calendarFutureDays: 399 },
      returnTo: `${base}/settings/connections`,
    });
    const rssBefore = treeRss(hub.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, treeRss(hub.pid!))), 250);
    const started = performance.now();
    const cpuBefore = treeCpuSeconds(hub.pid!);
    const graphRequestsBefore = standIn.state.counters.graph;
    const atMicrosoft = await fetch(authorizeUrl!, { redirect: 'manual' });
    const back = await fetch(atMicrosoft.headers.get('location')!, { redirect: 'manual' });
    const connectionId = new URL(back.headers.get('location')!).searchParams.get('connection');
    if (!connectionId) throw new Error(`The sign-in did not connect: ${back.headers.get('location')}`);
    // The API while the sync runs: one reader polling the connection and listing entities.
    const latencies: number[] = [];
    let errors = 0;
    let done = false;
    let items = 0;
    while (!done) {
      for (const path of [`/api/v1/connections/${connectionId}`, '/api/v1/entities?limit=20']) {
        const t = performance.now();
        const response = await fetch(`${base}${path}`, { headers: auth });
        latencies.push(performance.now() - t);
        if (response.status !== 200) errors++;
        const body = (await response.json()) as {
          sync?: { state: string; lastSuccessAt: string | null; itemsSynced: number; lastError: string | null };
        };
        if (body.sync) {
          items = body.sync.itemsSynced;
          done = body.sync.state === 'idle' && body.sync.lastSuccessAt !== null;
          if (body.sync.state === 'idle' && body.sync.lastError && !done) throw new Error(body.sync.lastError);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = treeCpuSeconds(hub.pid!) - cpuBefore;
    clearInterval(sampler);
    // With NATS on PostgreSQL: the shared mailbox slots' own cost, as the hub counts it.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    return {
      label,
      items,
      seconds,
      rate: items / seconds,
      rssGrowthMiB: Math.round((rssPeak - rssBefore) / 2 ** 20),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      requests: latencies.length,
      errors,
      // Each one claims and gives back a mailbox slot when the hub runs with NATS_URL (ADR 0033).
      cpuSeconds,
      graphRequests: standIn.state.counters.graph - graphRequestsBefore,
      slotClaims: metric('made_open_msgraph_slot_claims_total'),
      slotClaimSeconds: metric('made_open_msgraph_slot_claim_seconds_total'),
      slotReuses: metric('made_open_msgraph_slot_reuses_total'),
    };
  } finally {
    await stopProcess(hub);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(
    `Microsoft 365 benchmark: ${messages} messages, ${events} events, ${contacts} contacts; ${process.env.NATS_URL ? 'NATS' : 'no NATS'}; load average ${load()}\n`,
  );
  const standIn = await startMsgraphStandIn();
  const account = addAccount(standIn.state, {
    id: randomUUID(),
    mail: 'bench@contoso.example',
    displayName: 'Bench User',
  });
  generateAccount(account, { messages, events, contacts });
  const raw = await rawPaging(standIn, account);
  console.log(
    `raw paging (no processing): ${raw.items} items in ${raw.seconds.toFixed(1)} s = ${Math.round(raw.rate)} items/s`,
  );
  const results = [];
  // BENCH_MSGRAPH_DATABASES=postgres or =pglite runs one of the two (default both).
  const only = process.env.BENCH_MSGRAPH_DATABASES;
  try {
    if (only !== 'pglite') {
      const database = await createDatabase(adminUrl);
      try {
        results.push(await benchHub('PostgreSQL', database.url, standIn, account));
      } finally {
        await database.drop();
      }
    }
    if (only !== 'postgres') results.push(await benchHub('PGlite', undefined, standIn, account));
  } finally {
    // Else its server keeps a failed run's process alive.
    await standIn.close();
  }
  console.log(
    '\n| database | items | sync s | items/s | × raw paging | API p50 / p99 ms (n, errors) | RSS growth MiB |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.label} | ${r.items} | ${r.seconds.toFixed(1)} | ${Math.round(r.rate)} | ${(r.rate / raw.rate).toFixed(2)} | ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} (${r.requests}, ${r.errors}) | ${r.rssGrowthMiB} |`,
    );
  for (const r of results)
    console.log(
      `${r.label}: hub CPU ${r.cpuSeconds.toFixed(2)} s; ${r.graphRequests} Graph requests during the sync` +
        (Number.isNaN(r.slotClaims)
          ? ' (mailbox slots in process)'
          : `; shared mailbox slots: ${r.slotClaims} claimed in ${(r.slotClaimSeconds * 1000).toFixed(0)} ms, ${r.slotReuses} reused with no round trip`),
    );
  console.log(`\nraw paging: ${Math.round(raw.rate)} items/s; load average at the end ${load()}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => void stopAllProcesses());
