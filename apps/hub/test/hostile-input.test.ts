import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './databases.ts';
import { routesFromPrintedTree } from './hostile/fastify-routes.ts';
import { documentedOperations, undocumentedOperations, type OpenApiDocument } from './hostile/operations.ts';
import {
  graphBodies,
  makeConnections,
  startConnectionStandIns,
  twilioBodies,
  twilioPaths,
  type ConnectionStandIns,
  type Connections,
  type TwilioPath,
} from './hostile/connections.ts';
import { webOrigin } from '../src/modules/connectors/msgraph/test/support.ts';
import { makeResources, type Resources } from './hostile/resources.ts';
import {
  hostileRequests,
  type Caller,
  type Fixtures,
  type HostileRequest,
  type Operation,
} from './hostile/variants.ts';
import { createTestHub, type TestHub } from './hub.ts';
import { bearer, signUpUser, type SignedUpUser } from './users.ts';

/**
 * No input to any hub route may cause a 500, a hang or a crash. Every route the OpenAPI
 * document lists (and every route Fastify serves that it leaves out: DAV, /docs, the CORS
 * preflight) gets a fixed set of hostile requests, derived from its schema where it has one
 * (hostile/variants.ts): bad path and query values, bodies of the wrong JSON type, every
 * property of the wrong type, NUL and lone surrogates, 1 MB strings, deep nesting, prototype
 * keys, wrong content types, and no or forged credentials. Every answer must be < 500 and
 * arrive in time, and the hub must still answer /health afterwards.
 *
 * Real resources stand behind the path parameters (hostile/resources.ts: notes, persons, a
 * merge, suggestions, a visit, a plugin, rule runs, MFA factors, buckets and objects to copy
 * and move, the DAV collections and a contact and an event in them; hostile/connections.ts: a
 * Twilio and a Microsoft 365 connection on their stand-ins, a thread (to draft a reply to), a
 * video room's guest link, an email attachment), so that a request with one hostile part gets
 * past the lookup to the code that uses the rest. Twilio webhooks are signed with the real `twilio` package and Graph
 * notifications carry a live subscription's clientState, so hostile bodies get past those
 * checks too. /auth/v1, /storage/v1 and /realtime/v1 are in the document and swept like the
 * rest; the hub serves no /rest/v1.
 */

/**
 * Routes whose hostile requests can legitimately end the caller's session or account: each
 * runs as its own throwaway user, so the rest of the sweep keeps a working token. Nothing
 * is skipped.
 */
const accountEndingRoutes = new Set([
  'POST /auth/v1/logout', // signs the caller out (scope=global ends every session)
  'PUT /auth/v1/user', // a new password or email ends the other sessions
  'POST /auth/v1/factors', // enrolling MFA changes what the session may do
  'POST /auth/v1/factors/{id}/challenge',
  'POST /auth/v1/factors/{id}/verify',
  'DELETE /auth/v1/factors/{id}',
  'POST /auth/v1/factors/recovery_codes',
]);

/** Routes that act only on an empty account (a takeout restore): they run as a fresh user. */
const freshAccountRoutes = ['POST /api/v1/takeouts/restore', 'GET /api/v1/takeouts/restore/{id}'];

const requestTimeoutMs = 20_000;

/**
 * Whether a JSON error answer has the shape its API promises: GoTrue's under /auth/v1,
 * Supabase Storage's under /storage/v1, the hub's `{ error: { code, message } }` elsewhere.
 * Other bodies (DAV's XML, TwiML, the OAuth callback's page) are their protocol's to shape.
 */
function hasErrorShape(path: string, contentType: unknown, body: string): boolean {
  if (typeof contentType !== 'string' || !contentType.startsWith('application/json')) return true;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return false;
  }
  const text = (value: unknown) => typeof value === 'string' && value.length > 0;
  const error = parsed.error as Record<string, unknown> | undefined;
  const hubShape = typeof error === 'object' && error !== null && text(error.code) && text(error.message);
  // A URL the router refuses before choosing a route (a bad escape, an overlong parameter)
  // belongs to no API: the hub's shape then, under every prefix.
  if (hubShape && (error.code === 'bad_url' || error.code === 'path_parameter_too_long')) return true;
  if (path.startsWith('/auth/v1/')) {
    return typeof parsed.code === 'number' && text(parsed.error_code) && text(parsed.msg);
  }
  if (path.startsWith('/storage/v1/')) {
    return text(parsed.statusCode) && text(parsed.error) && text(parsed.message);
  }
  return hubShape;
}
const concurrency = 4;

describe.each(testDatabaseKinds())('hostile input on %s', (kind) => {
  let hub: TestHub;
  let standIns: ConnectionStandIns;
  let user: SignedUpUser;
  let davAuthorization: string;
  let healthBefore: number;
  const throwawayUsers = new Map<string, SignedUpUser>();
  let operations: Operation[] = [];
  let serviceRoleKey: string;
  /** Another user: the grantee of realtime topic grants, and the target of the admin routes. */
  let other: SignedUpUser;
  let appPassword: string;
  /** Real resources, so that requests with one hostile part reach the code behind the lookup. */
  let ids: Resources;
  let connections: Connections;
  /** The MessageSids and CallSids of signed Twilio webhooks the hub refused, and of those it took. */
  const refusedSids: string[] = [];
  const acceptedSids: string[] = [];

  /** The resource behind each path parameter, by route. */
  function pathFixture(op: Operation, param: string): string | undefined {
    const { path } = op;
    // The object routes get a bucket of their own: the bucket routes' hostile updates (a
    // MIME allow-list, a size limit) would otherwise stop every upload before its body is read.
    if (param === 'bucketId') {
      if (/^\/storage\/v1\/object\/(?:info\/)?public\//.test(path)) return 'sweep-public';
      return path.startsWith('/storage/v1/object/') ? 'sweep-objects' : 'sweep';
    }
    if (param === 'topic') return `user:${user.id}`;
    if (param === 'userId') return other.id;
    if (param === 'threadId') return connections.threadId;
    if (param === 'identifierId') return ids.identifier;
    if (param === 'conversationId') return ids.conversation;
    if (param === 'messageId') return connections.email.messageId;
    if (param === 'attachmentId') return connections.email.attachmentId;
    if (param === 'mergeId') return ids.mergeId;
    if (param === 'pluginId') return ids.pluginId;
    if (param === 'runId') return ids.ruleRun;
    if (param === 'provider') return 'twilio';
    if (param === 'room') return connections.videoRoom.room;
    if (param === 'connectionId')
      return path.startsWith('/webhooks/microsoft/') ? connections.graphConnection : connections.twilioConnection;
    if (param === '*' && path.startsWith('/storage/')) return 'folder/file.txt';
    if (param === '*' && path.startsWith('/webhooks/')) return 'sms';
    if (param === 'personId' || path.startsWith('/api/v1/persons/{id}')) return ids.person;
    if (param !== 'id') return undefined;
    if (path.startsWith('/api/v1/connections/'))
      return op.resource === 'graph' ? connections.graphConnection : connections.twilioConnection;
    if (path.startsWith('/api/v1/persons/suggestions/{id}/'))
      return path.endsWith('/accept') ? ids.suggestions.accept : ids.suggestions.dismiss;
    if (path === '/api/v1/rules/{id}/webhook') return ids.hookRule.id;
    if (path === '/api/v1/rules/{id}/webhook-secret') return ids.rotatedRule;
    if (path.startsWith('/auth/v1/factors/')) return ids.factors.get(`${op.method} ${path}`)?.factor;
    const byPrefix: [string, string][] = [
      ['/api/v1/entities/', ids.note],
      ['/api/v1/calendar/events/', ids.event],
      ['/api/v1/devices/', ids.device],
      ['/api/v1/rules/', ids.rule],
      ['/api/v1/tasks/', ids.task],
      ['/api/v1/credentials/', ids.credential],
      ['/api/v1/takeouts/restore/', ids.restore],
      ['/api/v1/takeouts/{id}', ids.takeout],
      ['/api/v1/imports/', ids.import],
      ['/api/v1/links/', ids.link],
      ['/api/v1/conflicts/', connections.conflict],
      ['/api/v1/visits/', ids.visit],
      ['/api/v1/dav/app-passwords/', appPassword],
      ['/auth/v1/admin/users/', other.id],
    ];
    return byPrefix.find(([prefix]) => path.startsWith(prefix))?.[1];
  }

  const fixtures: Fixtures = {
    path: pathFixture,
    query: (op, name) =>
      op.path === '/api/v1/connections/twilio/numbers' && name === 'credentialId'
        ? connections.twilioCredential
        : undefined,
    header: (op, name) => (name === 'x-rule-secret' ? ids.hookRule.secret : undefined),
    body(op) {
      const route = `${op.method} ${op.path}`;
      if (route === 'POST /api/v1/links') return { fromId: ids.task, toId: ids.person };
      if (route === 'POST /api/v1/persons/{id}/merge') return { otherId: ids.mergeOther };
      if (route === 'POST /auth/v1/factors/{id}/verify') return { challenge_id: ids.factors.get(route)?.challenge };
      if (route === 'POST /api/v1/calls/video-token') return { personId: ids.person };
      if (route === 'POST /api/v1/calls/video-guest-token') return { token: connections.videoRoom.guestToken };
      if (route === 'POST /api/v1/connections')
        return {
          provider: 'twilio',
          credentialId: connections.twilioCredential,
          options: { phoneNumber: '+14155550101' },
        };
      if (route === 'POST /api/v1/connections/microsoft/authorize')
        return { credentialId: connections.graphCredential, returnTo: `${webOrigin}/settings/connections` };
      if (route === 'PATCH /api/v1/connections/{id}')
        return { options: op.resource === 'graph' ? { pollMinutes: 15 } : { recordOutgoingCalls: true } };
      if (route === 'POST /api/v1/connections/{id}/contacts') return { personId: ids.person };
      if (route === 'POST /api/v1/ai/drafts') return { threadId: connections.threadId };
      if (route === 'POST /api/v1/persons/{id}/identifiers') return { kind: 'email', value: 'sweep-added@example.com' };
      // Copies of the object every object route reads; moves of one of their own, so the rest keep it.
      if (route === 'POST /storage/v1/object/copy')
        return { bucketId: 'sweep-objects', sourceKey: 'folder/file.txt', destinationKey: 'copies/file.txt' };
      if (route === 'POST /storage/v1/object/move')
        return { bucketId: 'sweep-objects', sourceKey: 'movable/file.txt', destinationKey: 'moved/file.txt' };
      return undefined;
    },
    rawBodies(op) {
      const [provider, path] = (op.resource ?? '').split(':');
      if (provider === 'twilio' && path) return twilioBodies(path as TwilioPath, connections.twilioAccount);
      if (provider === 'graph' && path) return graphBodies(path as 'notifications', connections.subscription);
      return [];
    },
  };

  /**
   * One route swept on each resource it serves: the generic webhook route on every Twilio
   * path, Graph's on both of its kinds, the connection routes on a Twilio and a Microsoft one.
   */
  function expand(op: Operation): Operation[] {
    const only = (name: string) => op.pathParams.filter((p) => p.name === name);
    if (op.method === 'POST' && op.path === '/webhooks/{provider}/{connectionId}/{*}') {
      return twilioPaths.map((path) => ({
        ...op,
        path: `/webhooks/twilio/{connectionId}/${path}`,
        pathParams: only('connectionId'),
        resource: `twilio:${path}`,
      }));
    }
    if (op.path === '/webhooks/microsoft/{connectionId}/{kind}') {
      return ['notifications', 'lifecycle'].map((kind) => ({
        ...op,
        path: `/webhooks/microsoft/{connectionId}/${kind}`,
        pathParams: only('connectionId'),
        resource: `graph:${kind}`,
      }));
    }
    if (op.path.startsWith('/api/v1/connections/{id}')) {
      return [
        { ...op, resource: 'twilio' },
        { ...op, resource: 'graph' },
      ];
    }
    return [op];
  }

  beforeAll(async () => {
    standIns = await startConnectionStandIns();
    hub = await createTestHub(
      kind,
      {
        AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000',
        AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
        AUTH_RATE_LIMIT_EMAIL_PER_HOUR: '100000',
        AUTH_RATE_LIMIT_VERIFY_PER_HOUR: '100000',
        ...standIns.env,
      },
      // Microsoft 365 polling stays out of the way: the sweep's own requests start its syncs.
      { msgraphPollTickMs: 3_600_000 },
    );
    user = await signUpUser(hub);
    other = await signUpUser(hub);
    serviceRoleKey = readFileSync(join(hub.dataDir, 'service-role-key'), 'utf8').trim();
    for (const route of accountEndingRoutes) throwawayUsers.set(route, await signUpUser(hub));
    // A restore goes only into an account with no graph: one fresh account for both restore routes.
    const fresh = await signUpUser(hub);
    for (const route of freshAccountRoutes) throwawayUsers.set(route, fresh);

    const made = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/dav/app-passwords',
      headers: bearer(user),
      payload: { name: 'sweep' },
    });
    expect(made.statusCode, made.body).toBe(201);
    // Revoking is swept too: on a second password, so the sweep's own DAV access stays.
    const revocable = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/dav/app-passwords',
      headers: bearer(user),
      payload: { name: 'sweep-revocable' },
    });
    appPassword = revocable.json().appPassword.id;
    const setup = await hub.app.inject({ method: 'GET', url: '/api/v1/dav/setup', headers: bearer(user) });
    const basic = Buffer.from(`${setup.json().username}:${made.json().password}`).toString('base64');
    davAuthorization = `Basic ${basic}`;

    const docs = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const documented = documentedOperations(docs.json() as OpenApiDocument);
    const routes = routesFromPrintedTree(hub.app.printRoutes({ commonPrefix: false }));
    // DELETEs, revokes and ends last: the fixtures the other routes read stay in place until
    // then (ending the video room first left its guest-token route nothing but 404s).
    const ends = (op: Operation) => op.method === 'DELETE' || /\/(?:end|revoke)$/.test(op.path);
    operations = [...documented, ...undocumentedOperations(documented, routes)]
      .flatMap(expand)
      .sort((a, b) => Number(ends(a)) - Number(ends(b)));
    // DAV collections and members by their real paths, so bodies reach the vCard and iCalendar parsers.
    const davHomes: [string, string][] = [
      [setup.json().carddavUrl, 'contacts/sweep.vcf'],
      [setup.json().caldavUrl, 'calendar/sweep.ics'],
    ];
    // The members exist, so that GET, REPORT and DELETE reach a stored contact and event.
    const davMembers: Record<string, [string, string]> = {
      'contacts/sweep.vcf': ['text/vcard', 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:sweep\r\nFN:Sweep Card\r\nEND:VCARD\r\n'],
      'calendar/sweep.ics': [
        'text/calendar',
        'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:sweep\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSUMMARY:Sweep\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
      ],
    };
    for (const [home, member] of davHomes) {
      const base = new URL(home).pathname.replace(/\/?$/, '/');
      const [contentType, body] = davMembers[member]!;
      const put = await hub.app.inject({
        method: 'PUT',
        url: `${base}${member}`,
        headers: { authorization: davAuthorization, 'content-type': contentType },
        payload: body,
      });
      expect(put.statusCode, put.body).toBe(201);
      const paths = [base, `${base}${member.split('/')[0]}/`, `${base}${member}`];
      for (const method of ['GET', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'REPORT', 'OPTIONS']) {
        for (const path of paths) operations.push({ method, path, pathParams: [], queryParams: [], headerParams: [] });
      }
    }
    const rulesBody = docs.json().paths['/api/v1/rules'].post.requestBody.content['application/json'].schema;
    ids = await makeResources(hub, user, {
      rulesExample: rulesBody.properties.definition.example,
      throwawayUsers,
      fresh,
    });
    connections = await makeConnections(hub, user, standIns, ids.person);
    healthBefore = (await hub.app.inject({ method: 'GET', url: '/health' })).statusCode;
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await standIns?.close();
  });

  function authorizationFor(op: Operation, caller: Caller): Record<string, string> {
    if (caller === 'none') return {};
    if (caller !== 'user') return caller;
    if (op.path.startsWith('/dav') || op.path.startsWith('/.well-known/ca')) return { authorization: davAuthorization };
    // The device routes answer a paired device's token: Bearer, or OwnTracks' Basic id:token.
    if (op.path === '/device-events') return { authorization: `Bearer ${ids.phone.token}` };
    if (op.path === '/device-events/owntracks') {
      return { authorization: `Basic ${Buffer.from(`${ids.phone.id}:${ids.phone.token}`).toString('base64')}` };
    }
    // The admin routes answer only the service_role key: with it, bodies reach the admin code.
    if (op.path.startsWith('/auth/v1/admin/')) return { authorization: `Bearer ${serviceRoleKey}` };
    return bearer(throwawayUsers.get(`${op.method} ${op.path}`) ?? user);
  }

  /** The failure line for one request, or null when it was answered below 500 in time. */
  async function send(op: Operation, request: HostileRequest): Promise<string | null> {
    const label = `${op.method} ${op.path} [${request.variant}]`;
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), requestTimeoutMs);
    });
    try {
      const response = await Promise.race([
        hub.app.inject({
          method: op.method as 'GET',
          url: request.url,
          headers: {
            ...request.headers,
            ...authorizationFor(op, request.caller),
            ...connections.sign(request),
            ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
          },
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        }),
        timeout,
      ]);
      if (response === 'timeout') return `${label}: no answer within ${requestTimeoutMs / 1000} s`;
      // SWEEP_LOG=<file>: every answer's status, route, variant and time (ms), to see how deep
      // the sweep reaches and which requests are slow.
      if (process.env.SWEEP_LOG)
        appendFileSync(
          process.env.SWEEP_LOG,
          `${response.statusCode} ${label} ${Math.round(performance.now() - started)}ms ${response.body.slice(0, 160).replace(/\n/g, ' ')}\n`,
        );
      if (request.sid) (response.statusCode >= 400 ? refusedSids : acceptedSids).push(request.sid);
      if (response.statusCode >= 500) return `${label}: ${response.statusCode} ${response.body.slice(0, 300)}`;
      if (response.statusCode >= 400 && !hasErrorShape(op.path, response.headers['content-type'], response.body)) {
        return `${label}: ${response.statusCode} not in the error shape of its API: ${response.body.slice(0, 300)}`;
      }
      return null;
    } catch (error) {
      return `${label}: inject threw ${(error as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  }

  it('answers every hostile request to every route below 500, in time', { timeout: 900_000 }, async () => {
    expect(operations.length).toBeGreaterThan(200);
    const work = operations.flatMap((op) => hostileRequests(op, fixtures).map((request) => ({ op, request })));
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < work.length) {
          const { op, request } = work[next++]!;
          const failure = await send(op, request);
          if (failure) failures.push(failure);
        }
      }),
    );
    expect(failures.sort(), `${failures.length} of ${work.length} requests failed:\n${failures.join('\n')}`).toEqual(
      [],
    );
  });

  it('stored nothing for a signed Twilio webhook it refused', async () => {
    const stored = async (sids: string[]) =>
      hub.db.asOwner(async (tx) => {
        const { rows } = await tx.query<{ sid: string }>(
          `SELECT external_id AS sid FROM public.entities WHERE external_id = ANY($1::text[])
           UNION ALL SELECT message_sid FROM made_open.twilio_pending_statuses WHERE message_sid = ANY($1::text[])`,
          [sids],
        );
        return rows.map((row) => row.sid);
      });
    expect(refusedSids.length).toBeGreaterThan(50);
    expect(await stored(refusedSids)).toEqual([]);
    // The check can fail: what the hub took is there.
    expect((await stored(acceptedSids)).length).toBeGreaterThan(0);
  });

  it('still answers /health, and the sweep did not end its own session', async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(healthBefore);
    const me = await hub.app.inject({ method: 'GET', url: '/auth/v1/user', headers: bearer(user) });
    expect(me.statusCode, me.body).toBe(200);
  });
});
