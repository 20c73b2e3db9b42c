import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineProvider, providerRegistry } from '@made-open/shared/providers';
import { z } from 'zod';
import type { IngestItem } from '../../graph/index.ts';
import { ConnectorConflict, ConnectorError, defineConnector } from '../connectors.contract.ts';

/**
 * A test-only provider, Acme Calendar, whose connector offers the `calendar` write-back
 * capability (create, update with the provider's version, delete, respond), and a STAND-IN
 * for its API (a made-up service, not any real one), so the calendar module's write-back
 * and conflict handling run through the real hub, wallet, connections and outbound client:
 * - GET    /v1/me                       key check -> {id, email}
 * - POST   /v1/events                   -> 201 event
 * - PATCH  /v1/events/{id}  If-Match    -> 200 event, or 412 {current} when the changeKey moved on
 * - DELETE /v1/events/{id}              -> 204
 * - POST   /v1/events/{id}/respond      {response} -> 200 event
 * `editRemotely` changes an event as someone using the provider's own app would.
 */

export interface RemoteEvent {
  id: string;
  changeKey: string;
  subject: string;
  body: string;
  start: string;
  end: string | null;
  isAllDay: boolean;
  timeZone: string | null;
  location: string | null;
  attendees: { email: string; response: string }[];
  organizer: string;
  myResponse: string;
}

export const acmeCalendar = defineProvider({
  id: 'acme-calendar',
  label: 'Acme Calendar',
  noun: 'an Acme Calendar key',
  description: 'Your Acme calendar (test only).',
  where: 'Settings → API at acme-calendar.example.',
  example: 'Acme calendar',
  fields: [{ name: 'apiKey', label: 'API key', kind: 'secret' }],
  secret: z.object({ apiKey: z.string().min(12, 'The API key is at least 12 characters.') }),
  secretHome: 'Put the key in apiKey.',
  endpoints: { api: { url: 'https://api.acme-calendar.example', env: 'ACME_CALENDAR_API_URL' } },
  send: { hosts: ['api.acme-calendar.example'], via: [{ as: 'header', name: 'X-Acme-Key', value: 'apiKey' }] },
  capabilities: [
    {
      name: 'calendar',
      label: 'Calendar',
      description: 'Read and write your calendar.',
      needsConnection: 'a connected Acme calendar',
    },
  ],
  test: {
    base: { endpoint: 'api' },
    method: 'GET',
    path: '/v1/me',
    auth: { as: 'header', name: 'X-Acme-Key', value: 'apiKey' },
    read: ({ status }) =>
      status === 200
        ? { ok: true, message: 'Acme Calendar accepted this key.' }
        : { ok: false, message: `Acme Calendar refused the key (HTTP ${status}).` },
  },
});

export function registerAcmeCalendar() {
  if (!providerRegistry.has(acmeCalendar.id)) providerRegistry.register(acmeCalendar);
}

export function itemOfRemote(event: RemoteEvent): IngestItem {
  return {
    type: 'calendar_event',
    source: 'acme-calendar',
    externalId: event.id,
    title: event.subject,
    body: event.body,
    occurredAt: new Date(Date.parse(event.start)).toISOString(),
    properties: {
      startsAt: event.start,
      ...(event.end ? { endsAt: event.end } : {}),
      allDay: event.isAllDay,
      ...(event.timeZone ? { timeZone: event.timeZone } : {}),
      ...(event.location ? { location: event.location } : {}),
      attendees: event.attendees.map((a) => a.email),
      responses: event.attendees.map((a) => ({ email: a.email, response: a.response })),
      organizer: event.organizer,
      myResponse: event.myResponse,
      kind: 'single',
      changeKey: event.changeKey,
    },
    people: event.attendees.map((a) => ({ role: 'attendee', email: a.email })),
  };
}

type Write = {
  title?: string;
  notes?: string;
  startsAt?: string;
  endsAt?: string;
  allDay?: boolean;
  timeZone?: string;
  location?: string;
  attendees?: { address: string }[];
};

function bodyOf(write: Write) {
  return {
    subject: write.title,
    body: write.notes,
    start: write.startsAt,
    end: write.endsAt,
    isAllDay: write.allDay,
    timeZone: write.timeZone,
    location: write.location,
    attendees: write.attendees?.map((a) => a.address),
  };
}

export const acmeCalendarConnector = defineConnector({
  provider: 'acme-calendar',
  capabilities: ['calendar'],
  options: z.strictObject({}),
  async connect(ctx) {
    const me = await ctx.api.json<{ id: string; email: string }>({ path: '/v1/me' });
    return { accountId: me.id, label: me.email };
  },
  async test(ctx) {
    const me = await ctx.api.json<{ email: string }>({ path: '/v1/me' });
    return { message: `Acme Calendar answers for ${me.email}.` };
  },
  async disconnect() {},
  calendar: {
    async create(ctx, event) {
      const created = await ctx.api.json<RemoteEvent>({ method: 'POST', path: '/v1/events', json: bodyOf(event) });
      return { item: itemOfRemote(created) };
    },
    async update(ctx, event, changes) {
      const response = await ctx.api.request({
        method: 'PATCH',
        path: `/v1/events/${encodeURIComponent(event.externalId)}`,
        headers: event.version ? { 'if-match': event.version } : {},
        json: bodyOf(changes),
      });
      const text = response.body.toString('utf8');
      if (response.status === 412) {
        const current = (JSON.parse(text) as { current: RemoteEvent }).current;
        throw new ConnectorConflict('Acme Calendar has a newer version of this event.', itemOfRemote(current));
      }
      if (response.status !== 200)
        throw new ConnectorError('provider', `Acme Calendar answered HTTP ${response.status}.`);
      return { item: itemOfRemote(JSON.parse(text) as RemoteEvent) };
    },
    async delete(ctx, event) {
      const response = await ctx.api.request({
        method: 'DELETE',
        path: `/v1/events/${encodeURIComponent(event.externalId)}`,
      });
      if (response.status !== 204 && response.status !== 404)
        throw new ConnectorError('provider', `Acme Calendar answered HTTP ${response.status}.`);
    },
    async respond(ctx, event, response, comment) {
      const answered = await ctx.api.json<RemoteEvent>({
        method: 'POST',
        path: `/v1/events/${encodeURIComponent(event.externalId)}/respond`,
        json: { response, comment },
      });
      return { item: itemOfRemote(answered) };
    },
  },
});

export interface AcmeCalendarStandIn {
  url: string;
  apiKey: string;
  events: Map<string, RemoteEvent>;
  requests: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: string }[];
  /** An invitation from someone else, as the provider would sync it in. */
  invite(event: Partial<RemoteEvent> & { subject: string; start: string }): RemoteEvent;
  /** An edit made on the provider's side: a new changeKey. */
  editRemotely(id: string, changes: Partial<RemoteEvent>): RemoteEvent;
  close(): Promise<void>;
}

export async function startAcmeCalendarStandIn(): Promise<AcmeCalendarStandIn> {
  const apiKey = `acme-cal-${randomBytes(8).toString('hex')}`;
  const events = new Map<string, RemoteEvent>();
  const requests: AcmeCalendarStandIn['requests'] = [];
  let n = 0;
  const nextKey = () => `ck-${++n}`;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
      const json = (status: number, payload?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (req.headers['x-acme-key'] !== apiKey) return json(401, { error: 'invalid_key' });
      if (url.pathname === '/v1/me') return json(200, { id: 'acme-user-1', email: 'me@acme-calendar.example' });
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      const apply = (event: RemoteEvent) => {
        for (const [from, to] of [
          ['subject', 'subject'],
          ['body', 'body'],
          ['start', 'start'],
          ['end', 'end'],
          ['isAllDay', 'isAllDay'],
          ['timeZone', 'timeZone'],
          ['location', 'location'],
        ] as const) {
          if (input[from] !== undefined) (event as unknown as Record<string, unknown>)[to] = input[from];
        }
        if (Array.isArray(input.attendees))
          event.attendees = (input.attendees as string[]).map((email) => ({
            email,
            response: event.attendees.find((a) => a.email === email)?.response ?? 'none',
          }));
        event.changeKey = nextKey();
      };
      if (url.pathname === '/v1/events' && req.method === 'POST') {
        const event: RemoteEvent = {
          id: `evt-${randomBytes(6).toString('hex')}`,
          changeKey: '',
          subject: '',
          body: '',
          start: '',
          end: null,
          isAllDay: false,
          timeZone: null,
          location: null,
          attendees: [],
          organizer: 'me@acme-calendar.example',
          myResponse: 'organizer',
        };
        apply(event);
        events.set(event.id, event);
        return json(201, event);
      }
      const match = /^\/v1\/events\/([^/]+)(\/respond)?$/.exec(url.pathname);
      const event = match ? events.get(decodeURIComponent(match[1]!)) : undefined;
      if (!event) return json(404, { error: 'not_found' });
      if (match![2] && req.method === 'POST') {
        event.myResponse = String(input.response);
        event.changeKey = nextKey();
        return json(200, event);
      }
      if (req.method === 'PATCH') {
        const ifMatch = req.headers['if-match'];
        if (ifMatch !== undefined && ifMatch !== event.changeKey) return json(412, { current: event });
        apply(event);
        return json(200, event);
      }
      if (req.method === 'DELETE') {
        events.delete(event.id);
        return json(204);
      }
      json(405, { error: 'method' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    events,
    requests,
    invite(partial) {
      const event: RemoteEvent = {
        id: `evt-${randomBytes(6).toString('hex')}`,
        changeKey: nextKey(),
        body: '',
        end: null,
        isAllDay: false,
        timeZone: null,
        location: null,
        attendees: [],
        organizer: 'boss@example.org',
        myResponse: 'none',
        ...partial,
      };
      events.set(event.id, event);
      return event;
    },
    editRemotely(id, changes) {
      const event = events.get(id)!;
      Object.assign(event, changes, { changeKey: nextKey() });
      return event;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
