import { describe, expect, it } from 'vitest';
import type { Database } from '../../../platform/db/index.ts';
import type { Json, SyncContext } from '../connectors.contract.ts';
import type { GraphClient, GraphRequest } from './msgraph.client.ts';
import { msgraphOptionsSchema, type MsgraphOptions } from './msgraph.options.ts';
import { createMsgraphSync, mergedPageItems, pageSizes } from './msgraph.sync.ts';

/**
 * How the sync pages Graph (no database, no HTTP: a scripted client that answers a mail
 * folder's delta query in pages of its Prefer size): merged pages on PostgreSQL, one Graph
 * page per sync page on PGlite, and the next page asked for while the current one is stored.
 */
const total = 2_500;
const message = (n: number) => ({
  id: `AAMkAD-msg-${n}`,
  subject: `Subject ${n}`,
  from: { emailAddress: { name: `Sender ${n}`, address: `sender${n}@example.org` } },
  toRecipients: [{ emailAddress: { name: 'Me', address: 'me@example.org' } }],
  receivedDateTime: '2026-01-01T00:00:00Z',
  body: { contentType: 'text', content: `Hello ${n}` },
});

function scriptedGraph() {
  const asked: string[] = [];
  const client = {
    async json<T>(request: GraphRequest | string): Promise<T> {
      const { url, headers } = typeof request === 'string' ? { url: request, headers: {} } : request;
      asked.push(url);
      const size = Number(/odata\.maxpagesize=(\d+)/.exec(String(headers?.prefer))?.[1] ?? 10);
      const from = Number(/skip=(\d+)/.exec(url)?.[1] ?? 0);
      const to = Math.min(total, from + size);
      const page: Record<string, unknown> = { value: Array.from({ length: to - from }, (_, i) => message(from + i)) };
      if (to < total)
        page['@odata.nextLink'] = `https://graph.test/v1.0/me/mailFolders/inbox/messages/delta?skip=${to}`;
      else page['@odata.deltaLink'] = 'https://graph.test/v1.0/me/mailFolders/inbox/messages/delta?token=d1';
      return page as T;
    },
  } as unknown as GraphClient;
  return { client, asked };
}

function syncWith(kind: Database['kind']) {
  const graph = scriptedGraph();
  // The mail round's end asks which items it did not see (none here).
  const db = {
    kind,
    asUser: (_claims: unknown, work: (tx: unknown) => Promise<unknown>) =>
      work({ query: async () => ({ rows: [], rowCount: 0 }) }),
  } as unknown as Database;
  const sync = createMsgraphSync({ db, clientFor: () => graph.client, defaultRegionOf: async () => undefined });
  const options: MsgraphOptions = msgraphOptionsSchema.parse({});
  const context = (cursor: Json | null) =>
    ({
      connectionId: '0190f7a0-0000-7000-8000-000000000001',
      ownerId: '0190f7a0-0000-7000-8000-000000000002',
      label: 'me@example.org',
      options,
      cursor,
      phase: 'initial',
      signal: new AbortController().signal,
      logger: { warn() {}, info() {}, error() {}, debug() {} },
    }) as unknown as SyncContext<MsgraphOptions>;
  /** The Inbox's pages until its round ends. */
  async function inbox() {
    const sizes: number[] = [];
    let cursor: Json | null = null;
    for (;;) {
      const page = await sync.page(context(cursor));
      sizes.push(page.items.length);
      cursor = page.cursor;
      if ((cursor as { index: number }).index !== 0) return { sizes, cursor };
    }
  }
  return { inbox, page: (cursor: Json | null) => sync.page(context(cursor)), asked: graph.asked };
}

describe('microsoft 365 sync paging', () => {
  it('on PostgreSQL takes consecutive Graph pages together, up to mergedPageItems per sync page', async () => {
    const { inbox, asked } = syncWith('postgres');
    const { sizes, cursor } = await inbox();
    expect(sizes).toEqual([mergedPageItems, mergedPageItems, total - 2 * mergedPageItems]);
    // Every Graph page asked for once, at the Graph page size, in order.
    expect(asked).toHaveLength(Math.ceil(total / pageSizes.mail));
    expect(new Set(asked).size).toBe(asked.length);
    const inboxState = (cursor as { resources: Record<string, { link: string; kind: string }> }).resources[
      'mail:inbox'
    ]!;
    expect(inboxState).toMatchObject({ kind: 'delta', link: expect.stringContaining('token=d1') });
  });

  it('on PGlite stores one Graph page per sync page, and asks for the next while the current one is stored', async () => {
    const { inbox, asked } = syncWith('pglite');
    const { sizes } = await inbox();
    const full = Math.floor(total / pageSizes.mail);
    expect(sizes).toEqual([...Array.from({ length: full }, () => pageSizes.mail), total - full * pageSizes.mail]);
    // The next page was already requested when page() returned, and used (not asked twice).
    expect(asked).toHaveLength(full + 1);
    expect(new Set(asked).size).toBe(asked.length);
  });

  it('does not use a page fetched ahead for another link', async () => {
    const { page, asked } = syncWith('pglite');
    const first = await page(null);
    // The second page is asked for as soon as the first arrived, before it is stored.
    expect(asked).toEqual([expect.not.stringContaining('skip='), expect.stringContaining('skip=200')]);
    expect(first.items).toHaveLength(pageSizes.mail);
    // The run starts over from the folder's initial query instead (a resync): the page
    // fetched ahead is another link's, so the initial query is asked again and answered.
    const again = await page(null);
    expect(again.items[0]!.externalId).toBe('AAMkAD-msg-0');
    expect(asked.filter((url) => !url.includes('skip=')).length).toBe(2);
  });
});
