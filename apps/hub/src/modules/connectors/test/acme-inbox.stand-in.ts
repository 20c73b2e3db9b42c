import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A STAND-IN for Acme Inbox's API (a made-up provider: acme-inbox.provider.ts), so the
 * connector tests run the real hub, jobs and outbound client against a local server:
 * - GET    /v1/accounts/{acct}                                   key check
 * - GET    /v1/accounts/{acct}/mailboxes/{mailbox}               {id, address} or 404
 * - POST   /v1/accounts/{acct}/mailboxes/{mailbox}/webhooks      {url} -> 201 {id}
 * - DELETE /v1/accounts/{acct}/mailboxes/{mailbox}/webhooks/{id} 204
 * - GET    /v1/accounts/{acct}/mailboxes/{mailbox}/messages?after=&limit=
 *          -> {messages: [{id, seq, from, subject, body, sent_at}], next_after, has_more, remaining}
 *          a change feed: a new or edited message gets the next seq.
 * - POST   /v1/accounts/{acct}/mailboxes/{mailbox}/send            {to, cc, bcc, subject, text, html,
 *          reply_to, attachments: [{name, content_type, content_base64}]} -> 202 {id, conversation_id};
 *          a recipient at refused.example -> 422 {error: 'recipient_refused'}
 * - GET    /v1/accounts/{acct}/mailboxes/{mailbox}/messages/{id}/attachments/{aid}
 *          -> {name, content_type, content_base64} (put there by `attach`) or 404
 * - PATCH  /v1/accounts/{acct}/mailboxes/{mailbox}/messages/{id}  {read} -> 204 (500 while `failReads`)
 * Every request must carry X-Acme-Key; all are recorded. `hold` parks matching requests
 * until released, so a test can stop a hub in the middle of a sync.
 */
export interface StandInMessage {
  id: string;
  seq: number;
  from: string;
  subject: string;
  body: string;
  sent_at: string;
}

export interface SentMail {
  id: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
  html: string | null;
  reply_to: string | null;
  attachments: { name: string; content_type: string; content_base64: string }[];
}

export interface AcmeStandIn {
  url: string;
  /** Mail sent through the send endpoint, in order. */
  sent: SentMail[];
  /** Read states set through PATCH, in order. */
  reads: { id: string; read: boolean }[];
  /** Serves an attachment of message `id`. */
  attach(id: string, attachmentId: string, file: { name: string; contentType: string; content: Buffer }): void;
  /** While true, PATCH (read state) answers 500. */
  failReads: boolean;
  /** The next send is taken (and recorded) but its answer never arrives: the connection is cut. */
  loseNextSendAnswer: boolean;
  requests: { method: string; path: string; query: Record<string, string>; body: string }[];
  webhooks: Map<string, string>;
  /** Most message-page requests that were in flight at once. */
  maxConcurrentPages: number;
  add(count: number): StandInMessage[];
  edit(id: string, body: string): void;
  revokeKey(): void;
  /** The next `count` message-page requests answer HTTP `status` (a provider having a bad moment). */
  failPages(count: number, status: number): void;
  /** Parks the next message-page request with this `after` until `release()`; resolves when it arrives. */
  hold(after: number): { arrived: Promise<void>; release(): void };
  close(): Promise<void>;
}

export async function startAcmeStandIn(valid: {
  accountId: string;
  apiKey: string;
  mailbox: string;
}): Promise<AcmeStandIn> {
  const messages: StandInMessage[] = [];
  let seq = 0;
  let key = valid.apiKey;
  let inFlight = 0;
  let failures = { count: 0, status: 500 };
  const holds = new Map<number, { arrive: () => void; released: Promise<void> }>();
  const base = `/v1/accounts/${valid.accountId}/mailboxes/${valid.mailbox}`;

  const attachments = new Map<string, { name: string; content_type: string; content_base64: string }>();
  const standIn: Omit<AcmeStandIn, 'url' | 'close'> = {
    sent: [],
    reads: [],
    failReads: false,
    loseNextSendAnswer: false,
    attach(id, attachmentId, file) {
      attachments.set(`${id}/${attachmentId}`, {
        name: file.name,
        content_type: file.contentType,
        content_base64: file.content.toString('base64'),
      });
    },
    requests: [],
    webhooks: new Map(),
    maxConcurrentPages: 0,
    add(count) {
      const added: StandInMessage[] = [];
      for (let i = 0; i < count; i += 1) {
        const n = messages.length + 1;
        const message = {
          id: `msg_${String(n).padStart(4, '0')}`,
          seq: ++seq,
          from: `sender${n % 3}@example.org`,
          subject: `Subject ${n}`,
          body: `Body of message ${n}`,
          sent_at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
        };
        messages.push(message);
        added.push(message);
      }
      return added;
    },
    edit(id, body) {
      const message = messages.find((m) => m.id === id);
      if (!message) throw new Error(`no message ${id}`);
      message.body = body;
      message.seq = ++seq;
    },
    revokeKey() {
      key = `revoked-${Math.random()}`;
    },
    failPages(count, status) {
      failures = { count, status };
    },
    hold(after) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.set(after, { arrive, released });
      return { arrived, release };
    },
  };

  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://stand-in');
        standIn.requests.push({
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body,
        });
        const json = (status: number, payload?: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(payload === undefined ? '' : JSON.stringify(payload));
        };
        if (req.headers['x-acme-key'] !== key) return json(401, { error: 'invalid_key' });
        if (url.pathname === `/v1/accounts/${valid.accountId}` && req.method === 'GET')
          return json(200, { id: valid.accountId });
        if (!url.pathname.startsWith(`/v1/accounts/${valid.accountId}/mailboxes/`))
          return json(404, { error: 'not_found' });
        if (!url.pathname.startsWith(base)) return json(404, { error: 'no_such_mailbox' });
        const rest = url.pathname.slice(base.length);
        if (rest === '' && req.method === 'GET')
          return json(200, { id: valid.mailbox, address: `${valid.mailbox}@acme-inbox.example` });
        if (rest === '/webhooks' && req.method === 'POST') {
          const id = `wh_${standIn.webhooks.size + 1}`;
          standIn.webhooks.set(id, (JSON.parse(body) as { url: string }).url);
          return json(201, { id });
        }
        const hook = /^\/webhooks\/(wh_\d+)$/.exec(rest);
        if (hook && req.method === 'DELETE') {
          standIn.webhooks.delete(hook[1]!);
          return json(204);
        }
        if (rest === '/send' && req.method === 'POST') {
          const mail = JSON.parse(body) as Omit<SentMail, 'id'>;
          if ([...mail.to, ...mail.cc, ...mail.bcc].some((address) => address.endsWith('@refused.example')))
            return json(422, { error: 'recipient_refused' });
          const sent = { ...mail, id: `sent_${standIn.sent.length + 1}` };
          standIn.sent.push(sent);
          if (standIn.loseNextSendAnswer) {
            standIn.loseNextSendAnswer = false;
            return req.socket.destroy();
          }
          return json(202, {
            id: sent.id,
            conversation_id: mail.reply_to ? `conv-of-${mail.reply_to}` : `conv-${sent.id}`,
          });
        }
        const attachment = /^\/messages\/([^/]+)\/attachments\/([^/]+)$/.exec(rest);
        if (attachment && req.method === 'GET') {
          const file = attachments.get(`${decodeURIComponent(attachment[1]!)}/${decodeURIComponent(attachment[2]!)}`);
          return file ? json(200, file) : json(404, { error: 'not_found' });
        }
        const read = /^\/messages\/([^/]+)$/.exec(rest);
        if (read && req.method === 'PATCH') {
          if (standIn.failReads) return json(500, { error: 'internal' });
          standIn.reads.push({ id: decodeURIComponent(read[1]!), read: (JSON.parse(body) as { read: boolean }).read });
          return json(204);
        }
        if (rest === '/messages' && req.method === 'GET' && failures.count > 0) {
          failures.count -= 1;
          return json(failures.status, { error: 'internal' });
        }
        if (rest === '/messages' && req.method === 'GET') {
          const after = Number(url.searchParams.get('after') ?? '0');
          const limit = Number(url.searchParams.get('limit') ?? '50');
          inFlight += 1;
          standIn.maxConcurrentPages = Math.max(standIn.maxConcurrentPages, inFlight);
          try {
            const held = holds.get(after);
            if (held) {
              holds.delete(after);
              held.arrive();
              await held.released;
            }
            const newer = messages.filter((m) => m.seq > after).sort((a, b) => a.seq - b.seq);
            const page = newer.slice(0, limit);
            const last = page.at(-1)?.seq ?? after;
            return json(200, {
              messages: page,
              next_after: last,
              has_more: newer.length > page.length,
              remaining: newer.length - page.length,
            });
          } finally {
            inFlight -= 1;
          }
        }
        json(404, { error: 'not_found' });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn as AcmeStandIn, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
