import { createServer, type IncomingMessage, type Server } from 'node:http';
import { calendarRoutes } from './calendar.ts';
import { calendarWriteRoutes } from './calendar-write.ts';
import { contactsWriteRoutes } from './contacts-write.ts';
import { mailWriteRoutes } from './mail-write.ts';
import { uploadSessionPutRoutes, uploadSessionRoutes } from './upload-sessions.ts';
import { contactsRoutes } from './contacts.ts';
import { batchRoute } from './batch.ts';
import { loginRoutes } from './login.ts';
import { mailRoutes } from './mail.ts';
import { meRoutes } from './me.ts';
import { controlRoutes } from './control.ts';
import { presenceRoutes } from './presence.ts';
import { subscriptionRoutes } from './subscriptions.ts';
import { createState, type StandInAccount, type StandInState } from './state.ts';

export interface RouteContext {
  url: URL;
  match: RegExpExecArray;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
  json: unknown;
  /** The request body as sent (an upload session's byte range). */
  bytes: Buffer;
  /** Graph routes: the signed-in account (from the bearer token). */
  account: StandInAccount;
  /** The Graph base URL as the client sees it (links are built from it). */
  graphBase: string;
}

export interface RouteAnswer {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle(context: RouteContext): RouteAnswer | Promise<RouteAnswer>;
}

/** Graph routes answer under /v1.0; login routes at the root (like login.microsoftonline.com). */
export interface GraphRoute extends Route {
  graph?: true;
}

export interface MsgraphStandIn {
  /** http://127.0.0.1:port — MSGRAPH_LOGIN_URL. */
  loginUrl: string;
  /** http://127.0.0.1:port/v1.0 — MSGRAPH_API_URL. */
  graphUrl: string;
  state: StandInState;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A STAND-IN for login.microsoftonline.com and graph.microsoft.com on 127.0.0.1 (test
 * support, never shipped): each area is its own module of routes (login, me, mail,
 * calendar, contacts, batch); another module adds routes with `extraRoutes` (graph
 * routes match the path after /v1.0). Graph requests need a bearer token it issued.
 */
export async function startMsgraphStandIn(
  options: { extraRoutes?: (state: StandInState) => Route[]; port?: number } = {},
): Promise<MsgraphStandIn> {
  const state = createState();
  const login = [...loginRoutes(state), ...controlRoutes(state), ...uploadSessionPutRoutes(state)];
  const graph: Route[] = [
    ...meRoutes(state),
    ...mailRoutes(state),
    ...calendarRoutes(state),
    ...contactsRoutes(state),
    ...mailWriteRoutes(state),
    ...uploadSessionRoutes(state),
    ...calendarWriteRoutes(state),
    ...contactsWriteRoutes(state),
    ...subscriptionRoutes(state),
    ...presenceRoutes(state),
    ...(options.extraRoutes?.(state) ?? []),
  ];
  let base = '';
  const routesForBatch = (): Route[] => graph;

  async function dispatchGraph(
    method: string,
    path: string,
    url: URL,
    headers: IncomingMessage['headers'],
    json: unknown,
    account: StandInAccount,
    bytes = Buffer.alloc(0),
  ): Promise<RouteAnswer> {
    for (const route of graph) {
      if (route.method !== method) continue;
      const match = route.pattern.exec(path);
      if (match)
        return route.handle({
          url,
          match,
          headers,
          form: new URLSearchParams(),
          json,
          bytes,
          account,
          graphBase: `${base}/v1.0`,
        });
    }
    return {
      status: 404,
      json: { error: { code: 'ResourceNotFound', message: 'Resource not found for the segment.' } },
    };
  }

  const batch = batchRoute(state, (method, path, url, headers, json, account) =>
    dispatchGraph(method, path, url, headers, json, account),
  );
  void routesForBatch;

  async function answer(req: IncomingMessage, bytes: Buffer): Promise<RouteAnswer> {
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/v1.0/')) {
      for (const route of login) {
        if (route.method !== method) continue;
        const match = route.pattern.exec(url.pathname);
        if (match)
          return route.handle({
            url,
            match,
            headers: req.headers,
            form: new URLSearchParams(raw),
            json: undefined,
            bytes,
            account: undefined as never,
            graphBase: `${base}/v1.0`,
          });
      }
      return { status: 404, json: { error: 'not_found' } };
    }
    state.counters.graph += 1;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = bearer ? state.accessTokens.get(bearer) : undefined;
    if (!grant || grant.expiresAt < Date.now())
      return {
        status: 401,
        json: {
          error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired or is not yet valid.' },
        },
      };
    const account = state.accounts.get(grant.accountId)!;
    const logged: StandInState['requests'][number] = {
      accountId: account.id,
      method,
      path: url.pathname.slice('/v1.0'.length),
      at: Date.now(),
    };
    state.requests.push(logged);
    if (state.requests.length > 1_000) state.requests.splice(0, state.requests.length - 1_000);
    const answered = await (async (): Promise<RouteAnswer> => {
      if (state.behaviour.throttle.count > 0) {
        state.behaviour.throttle.count -= 1;
        state.counters.throttled += 1;
        return {
          status: 429,
          headers: { 'retry-after': String(state.behaviour.throttle.retryAfter) },
          json: {
            error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' },
          },
        };
      }
      const inFlight = (state.inFlight.get(account.id) ?? 0) + 1;
      if (inFlight > 4) {
        state.counters.concurrencyRefused += 1;
        return {
          status: 429,
          headers: { 'retry-after': '1' },
          json: {
            error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' },
          },
        };
      }
      state.inFlight.set(account.id, inFlight);
      state.maxInFlight.set(account.id, Math.max(state.maxInFlight.get(account.id) ?? 0, inFlight));
      // Graph runs up to 4 parts of each batch against the mailbox at once: batches side by side multiply that.
      const isBatch = method === 'POST' && url.pathname === '/v1.0/$batch';
      if (isBatch) state.maxBatchesInFlight = Math.max(state.maxBatchesInFlight, ++state.batchesInFlight);
      try {
        if (state.behaviour.delayMs > 0) await sleep(state.behaviour.delayMs);
        const path = url.pathname.slice('/v1.0'.length);
        let json: unknown;
        try {
          json = raw ? JSON.parse(raw) : undefined;
        } catch {
          return { status: 400, json: { error: { code: 'BadRequest', message: 'Invalid JSON.' } } };
        }
        if (method === 'POST' && path === '/$batch') return await batch(json, account, req.headers);
        return await dispatchGraph(method, path, url, req.headers, json, account);
      } finally {
        state.inFlight.set(account.id, (state.inFlight.get(account.id) ?? 1) - 1);
        if (isBatch) state.batchesInFlight -= 1;
      }
    })();
    logged.status = answered.status;
    return answered;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(req, Buffer.concat(chunks))
        .then((result) => {
          const headers: Record<string, string> = { ...result.headers };
          let body = '';
          if (result.json !== undefined) {
            headers['content-type'] = 'application/json';
            body = JSON.stringify(result.json);
          } else if (result.text !== undefined) {
            headers['content-type'] = 'text/plain';
            body = result.text;
          }
          res.writeHead(result.status, headers).end(body);
        })
        .catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    loginUrl: base,
    graphUrl: `${base}/v1.0`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
