import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedDistance, tokenize } from '../engine/text.ts';

/**
 * A stand-in for a Meilisearch server, for tests only: no Meilisearch can run on this
 * machine. It speaks the documented request/response shapes of the routes the adapter
 * uses (indexes, settings, documents add/fetch/delete, search, tasks, health), with
 * asynchronous tasks (enqueued → processing → succeeded), the filter grammar the adapter
 * emits (rejecting attributes that are not filterable, as Meilisearch does), and a small
 * search (words, last word as prefix, one typo from 5 letters). It records every request
 * so tests can assert what the adapter sent. It is not Meilisearch's ranking.
 */

type Doc = Record<string, unknown> & { id: string };

interface Task {
  uid: number;
  indexUid: string | null;
  type: string;
  polls: number;
  error: { message: string; code: string; type: string; link: string } | null;
  enqueuedAt: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

export interface MeiliStandIn {
  url: string;
  requests: RecordedRequest[];
  documents(indexUid: string): Map<string, Doc>;
  settings(indexUid: string): Record<string, unknown>;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const meiliError = (res: ServerResponse, status: number, code: string, message: string) =>
  json(res, status, { message, code, type: 'invalid_request', link: `https://docs.meilisearch.com/errors#${code}` });

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

class FilterError extends Error {}

/** Evaluates the filter subset the adapter emits: =, IN, >=, <=, joined by AND (string or array). */
function compileFilter(filter: unknown, filterable: readonly string[]): (doc: Doc) => boolean {
  if (filter === undefined || filter === null) return () => true;
  const parts = (Array.isArray(filter) ? filter : [filter]).flatMap((f) => String(f).split(/\s+AND\s+/));
  const tests = parts.map((part) => {
    const m = /^\s*(\w+)\s*(=|>=|<=|IN)\s*(.+?)\s*$/.exec(part);
    if (!m) throw new FilterError(`Was expecting an operation, found \`${part}\`.`);
    const [, attr, op, raw] = m as unknown as [string, string, string, string];
    if (!filterable.includes(attr)) throw new FilterError(`Attribute \`${attr}\` is not filterable.`);
    const literal = (s: string): unknown => {
      const t = s.trim();
      if (t.startsWith('"')) return JSON.parse(t);
      if (t === 'true' || t === 'false') return t === 'true';
      if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
      throw new FilterError(`Bad value ${t}`);
    };
    if (op === 'IN') {
      const list = /^\[(.*)\]$/.exec(raw.trim());
      if (!list) throw new FilterError('IN needs a list');
      const values = list[1]!.trim() === '' ? [] : list[1]!.split(',').map(literal);
      return (doc: Doc) => values.includes(doc[attr]);
    }
    const value = literal(raw);
    if (op === '=') return (doc: Doc) => doc[attr] === value;
    if (op === '>=') return (doc: Doc) => typeof doc[attr] === 'number' && (doc[attr] as number) >= (value as number);
    return (doc: Doc) => typeof doc[attr] === 'number' && (doc[attr] as number) <= (value as number);
  });
  return (doc) => tests.every((t) => t(doc));
}

export async function startMeiliStandIn(options: { apiKey?: string } = {}): Promise<MeiliStandIn> {
  const indexes = new Map<
    string,
    { primaryKey: string | null; docs: Map<string, Doc>; settings: Record<string, unknown> }
  >();
  const tasks = new Map<number, Task>();
  const requests: RecordedRequest[] = [];
  let nextTask = 0;

  const enqueue = (indexUid: string | null, type: string, apply: () => void) => {
    const task: Task = { uid: nextTask++, indexUid, type, polls: 0, error: null, enqueuedAt: new Date().toISOString() };
    try {
      apply();
    } catch (error) {
      task.error = { message: (error as Error).message, code: 'invalid_request', type: 'invalid_request', link: '' };
    }
    tasks.set(task.uid, task);
    return { taskUid: task.uid, indexUid, status: 'enqueued', type, enqueuedAt: task.enqueuedAt };
  };

  const defaultSettings = () => ({
    searchableAttributes: ['*'],
    filterableAttributes: [] as string[],
    sortableAttributes: [] as string[],
    displayedAttributes: ['*'],
    rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness'],
    typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
  });

  const project = (doc: Doc, fields: readonly string[] | undefined) =>
    fields && !fields.includes('*')
      ? Object.fromEntries(fields.filter((f) => f in doc).map((f) => [f, doc[f]]))
      : { ...doc };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const path = url.pathname;
      const body = await readBody(req).catch(() => Symbol.for('bad-json'));
      requests.push({ method: req.method ?? 'GET', path, body, authorization: req.headers.authorization });
      if (body === Symbol.for('bad-json'))
        return meiliError(res, 400, 'malformed_payload', 'The json payload provided is malformed.');
      if (options.apiKey && path !== '/health' && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return meiliError(res, 403, 'invalid_api_key', 'The provided API key is invalid.');
      }
      if (path === '/health') return json(res, 200, { status: 'available' });
      let m = /^\/tasks\/(\d+)$/.exec(path);
      if (m && req.method === 'GET') {
        const task = tasks.get(Number(m[1]));
        if (!task) return meiliError(res, 404, 'task_not_found', `Task \`${m[1]}\` not found.`);
        task.polls++;
        const status = task.polls < 2 ? 'processing' : task.error ? 'failed' : 'succeeded';
        return json(res, 200, {
          uid: task.uid,
          batchUid: task.uid,
          indexUid: task.indexUid,
          status,
          type: task.type,
          canceledBy: null,
          details: {},
          error: status === 'failed' ? task.error : null,
          duration: status === 'processing' ? null : 'PT0.001S',
          enqueuedAt: task.enqueuedAt,
          startedAt: task.enqueuedAt,
          finishedAt: status === 'processing' ? null : new Date().toISOString(),
        });
      }
      if (path === '/indexes' && req.method === 'POST') {
        const { uid, primaryKey } = body as { uid: string; primaryKey?: string };
        return json(
          res,
          202,
          enqueue(uid, 'indexCreation', () => {
            if (indexes.has(uid)) throw new Error(`Index \`${uid}\` already exists.`);
            indexes.set(uid, { primaryKey: primaryKey ?? null, docs: new Map(), settings: defaultSettings() });
          }),
        );
      }
      m = /^\/indexes\/([\w-]+)(\/.*)?$/.exec(path);
      if (!m) return meiliError(res, 404, 'not_found', 'Not found');
      const uid = m[1]!;
      const rest = m[2] ?? '';
      const index = indexes.get(uid);
      if (rest === '' && req.method === 'GET') {
        if (!index) return meiliError(res, 404, 'index_not_found', `Index \`${uid}\` not found.`);
        return json(res, 200, {
          uid,
          primaryKey: index.primaryKey,
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
        });
      }
      if (rest === '/settings' && req.method === 'PATCH') {
        return json(
          res,
          202,
          enqueue(uid, 'settingsUpdate', () => {
            const target = indexes.get(uid) ?? { primaryKey: null, docs: new Map(), settings: defaultSettings() };
            indexes.set(uid, target);
            Object.assign(target.settings, body as object);
          }),
        );
      }
      if (rest === '/settings' && req.method === 'GET') {
        if (!index) return meiliError(res, 404, 'index_not_found', `Index \`${uid}\` not found.`);
        return json(res, 200, index.settings);
      }
      if (rest === '/documents' && (req.method === 'POST' || req.method === 'PUT')) {
        const docs = body as Doc[];
        return json(
          res,
          202,
          enqueue(uid, 'documentAdditionOrUpdate', () => {
            const target = indexes.get(uid) ?? {
              primaryKey: url.searchParams.get('primaryKey'),
              docs: new Map(),
              settings: defaultSettings(),
            };
            indexes.set(uid, target);
            for (const doc of docs) {
              if (typeof doc.id !== 'string' || !/^[\w-]{1,511}$/.test(doc.id))
                throw new Error('Document identifier is invalid.');
              target.docs.set(doc.id, req.method === 'PUT' ? { ...(target.docs.get(doc.id) ?? {}), ...doc } : doc);
            }
          }),
        );
      }
      if (rest === '/documents' && req.method === 'DELETE') {
        return json(
          res,
          202,
          enqueue(uid, 'documentDeletion', () => index?.docs.clear()),
        );
      }
      if (!index) return meiliError(res, 404, 'index_not_found', `Index \`${uid}\` not found.`);
      const filterable = index.settings.filterableAttributes as string[];
      try {
        if (rest === '/documents/fetch' && req.method === 'POST') {
          const {
            filter,
            fields,
            limit = 20,
            offset = 0,
          } = (body ?? {}) as { filter?: unknown; fields?: string[]; limit?: number; offset?: number };
          const matches = [...index.docs.values()].filter(compileFilter(filter, filterable));
          return json(res, 200, {
            results: matches.slice(offset, offset + limit).map((d) => project(d, fields)),
            offset,
            limit,
            total: matches.length,
          });
        }
        if (rest === '/documents/delete' && req.method === 'POST') {
          const test = compileFilter((body as { filter: unknown }).filter, filterable);
          return json(
            res,
            202,
            enqueue(uid, 'documentDeletion', () => {
              for (const [id, doc] of index.docs) if (test(doc)) index.docs.delete(id);
            }),
          );
        }
        if (rest === '/documents/delete-batch' && req.method === 'POST') {
          return json(
            res,
            202,
            enqueue(uid, 'documentDeletion', () => {
              for (const id of body as string[]) index.docs.delete(String(id));
            }),
          );
        }
        if (rest === '/search' && req.method === 'POST') {
          const started = performance.now();
          const p = (body ?? {}) as {
            q?: string;
            filter?: unknown;
            facets?: string[];
            limit?: number;
            offset?: number;
            highlightPreTag?: string;
            highlightPostTag?: string;
            showRankingScore?: boolean;
            attributesToHighlight?: string[];
          };
          if (p.facets)
            for (const f of p.facets)
              if (!filterable.includes(f))
                throw new FilterError(`Invalid facet distribution, attribute \`${f}\` is not filterable.`);
          const test = compileFilter(p.filter, filterable);
          const words = tokenize(p.q ?? '');
          const searchable = index.settings.searchableAttributes as string[];
          const wordMatches = (token: string, word: string, last: boolean) =>
            token === word ||
            (last && token.startsWith(word)) ||
            (word.length >= 5 && boundedDistance(word, last ? token.slice(0, word.length + 1) : token, 1) <= 1);
          const scored: Array<{ doc: Doc; score: number }> = [];
          for (const doc of index.docs.values()) {
            if (!test(doc)) continue;
            const tokens = searchable.map((a) =>
              tokenize(Array.isArray(doc[a]) ? (doc[a] as string[]).join(' ') : String(doc[a] ?? '')),
            );
            let score = 0;
            let ok = true;
            words.forEach((w, i) => {
              const where = tokens.findIndex((ts) => ts.some((t) => wordMatches(t, w, i === words.length - 1)));
              if (where < 0) ok = false;
              else score += 1 / (1 + where);
            });
            if (ok) scored.push({ doc, score: words.length ? score / words.length : 1 });
          }
          scored.sort((a, b) => b.score - a.score);
          const facetDistribution: Record<string, Record<string, number>> = {};
          for (const f of p.facets ?? []) {
            facetDistribution[f] = {};
            for (const { doc } of scored)
              if (doc[f] != null)
                facetDistribution[f][String(doc[f])] = (facetDistribution[f][String(doc[f])] ?? 0) + 1;
          }
          const pre = p.highlightPreTag ?? '<em>';
          const post = p.highlightPostTag ?? '</em>';
          const mark = (text: string) =>
            text.replace(/[\p{L}\p{N}]+/gu, (t) =>
              words.some((w, i) => wordMatches(t.toLowerCase(), w, i === words.length - 1)) ? `${pre}${t}${post}` : t,
            );
          const displayed = index.settings.displayedAttributes as string[];
          const offset = p.offset ?? 0;
          const limit = p.limit ?? 20;
          const hits = scored.slice(offset, offset + limit).map(({ doc, score }) => {
            const shown = project(doc, displayed);
            const formatted: Record<string, unknown> = { ...shown };
            for (const a of p.attributesToHighlight ?? [])
              if (typeof shown[a] === 'string') formatted[a] = mark(shown[a] as string);
            return { ...shown, _formatted: formatted, ...(p.showRankingScore ? { _rankingScore: score } : {}) };
          });
          return json(res, 200, {
            hits,
            query: p.q ?? '',
            processingTimeMs: Math.round(performance.now() - started),
            limit,
            offset,
            estimatedTotalHits: scored.length,
            ...(p.facets ? { facetDistribution } : {}),
          });
        }
      } catch (error) {
        if (error instanceof FilterError) return meiliError(res, 400, 'invalid_search_filter', error.message);
        throw error;
      }
      return meiliError(res, 404, 'not_found', 'Not found');
    })().catch((error) => meiliError(res, 500, 'internal', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    documents: (uid) => indexes.get(uid)?.docs ?? new Map(),
    settings: (uid) => indexes.get(uid)?.settings ?? {},
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
