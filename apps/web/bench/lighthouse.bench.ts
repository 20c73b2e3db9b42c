import { test } from '@playwright/test';
import lighthouse from 'lighthouse';
import { createServer } from 'node:net';
import { signUp, uniqueEmail } from '../e2e/helpers';

/**
 * Lighthouse (mobile emulation, simulated throttling: its defaults) on the production build,
 * for the sign-in page and for the contacts page of a user with 5,000 contacts. Median of
 * RUNS runs per page, because single Lighthouse runs vary by several points.
 */
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const hubUrl = process.env.E2E_HUB_URL!;
const anonKey = process.env.E2E_ANON_KEY!;
const password = 'correct horse battery';

const GOALS = { performance: 95, accessibility: 95, 'best-practices': 95, lcpMs: 1750, tbtMs: 150, cls: 0.05 };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function accessToken(email: string): Promise<string> {
  const response = await fetch(`${hubUrl}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`sign-in for seeding failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Katherine',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Linus',
  'Frances',
  'Ken',
  'Radia',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Johnson',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Torvalds',
  'Allen',
  'Thompson',
  'Perlman',
];

async function seedContacts(token: string, count: number) {
  let next = 0;
  let done = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`;
      const response = await fetch(`${hubUrl}/api/v1/persons`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name,
          emails: [`person${i}@example.org`],
          phones: [`+4420794${String(i).padStart(5, '0')}`],
          properties: { organization: `Company ${i % 97}` },
        }),
      });
      if (!response.ok) throw new Error(`seeding contact ${i} failed: ${response.status} ${await response.text()}`);
      if (++done % 1000 === 0)
        console.log(`  seeded ${done} / ${count} contacts (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

interface Figures {
  performance: number;
  accessibility: number;
  'best-practices': number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test('lighthouse: sign-in and contacts with 5,000 contacts', async ({ browser, baseURL }) => {
  const email = uniqueEmail('lighthouse');
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, email, password);
  console.log(`seeding ${CONTACTS} contacts through the hub's API ...`);
  await seedContacts(await accessToken(email), CONTACTS);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  await context.close();

  // Lighthouse drives its own Chromium over the DevTools protocol.
  const { chromium } = await import('@playwright/test');
  const port = await freePort();
  const chrome = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      `--remote-debugging-port=${port}`,
    ],
  });
  const rows: Array<[string, Figures]> = [];
  try {
    for (const [label, path, headers] of [
      ['sign-in', '/sign-in', {}],
      [`contacts (${CONTACTS.toLocaleString('en')})`, '/contacts', { Cookie: cookie }],
    ] as const) {
      const runs: Figures[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const result = await lighthouse(`${baseURL}${path}`, {
          port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: ['performance', 'accessibility', 'best-practices'],
          extraHeaders: headers,
        });
        if (!result) throw new Error('Lighthouse returned no result');
        const { lhr } = result;
        if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
        if (!lhr.finalDisplayedUrl.endsWith(path))
          throw new Error(`Lighthouse ended on ${lhr.finalDisplayedUrl}, not ${path}: was the session cookie refused?`);
        const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
        runs.push({
          performance: score('performance'),
          accessibility: score('accessibility'),
          'best-practices': score('best-practices'),
          lcpMs: lhr.audits['largest-contentful-paint']?.numericValue ?? NaN,
          tbtMs: lhr.audits['total-blocking-time']?.numericValue ?? NaN,
          cls: lhr.audits['cumulative-layout-shift']?.numericValue ?? NaN,
        });
        console.log(`  ${label} run ${run}/${RUNS}: ${JSON.stringify(runs.at(-1))}`);
      }
      const pick = (key: keyof Figures) => median(runs.map((r) => r[key]));
      rows.push([
        label,
        {
          performance: pick('performance'),
          accessibility: pick('accessibility'),
          'best-practices': pick('best-practices'),
          lcpMs: pick('lcpMs'),
          tbtMs: pick('tbtMs'),
          cls: pick('cls'),
        },
      ]);
    }
  } finally {
    await chrome.close();
  }

  const mark = (ok: boolean) => (ok ? '✔' : '✘');
  console.log(`\nLighthouse 12.8.2, mobile emulation, median of ${RUNS} runs (production build, hub on PGlite)`);
  console.log('| page | performance | accessibility | best practices | LCP ms | TBT ms | CLS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [label, f] of rows) {
    console.log(
      `| ${label} | ${f.performance} ${mark(f.performance >= GOALS.performance)} | ${f.accessibility} ${mark(f.accessibility >= GOALS.accessibility)} | ${f['best-practices']} ${mark(f['best-practices'] >= GOALS['best-practices'])} | ${f.lcpMs.toFixed(0)} ${mark(f.lcpMs < GOALS.lcpMs)} | ${f.tbtMs.toFixed(0)} ${mark(f.tbtMs < GOALS.tbtMs)} | ${f.cls.toFixed(3)} ${mark(f.cls < GOALS.cls)} |`,
    );
  }
  console.log(`goals: performance, accessibility, best practices >= 95; LCP < 1,750 ms; TBT < 150 ms; CLS < 0.05`);
});
