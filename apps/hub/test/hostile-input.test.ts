import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKinds } from './databases.ts';
import { routesFromPrintedTree } from './hostile/fastify-routes.ts';
import { documentedOperations, undocumentedOperations, type OpenApiDocument } from './hostile/operations.ts';
import {
  hostileRequests,
  type Caller,
  type HostileRequest,
  type Operation,
  type PathFixtures,
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
 * Real resources (a note, a person, an event, a device, a rule, a bucket with an object, the
 * DAV collections) stand behind the path parameters, so that a request with one hostile part
 * gets past the lookup to the code that uses the rest. Webhooks (Twilio, Microsoft Graph),
 * /auth/v1, /storage/v1 and /realtime/v1 are in the document and swept like the rest; the
 * hub serves no /rest/v1.
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
  let user: SignedUpUser;
  let davAuthorization: string;
  let healthBefore: number;
  const throwawayUsers = new Map<string, SignedUpUser>();
  let operations: Operation[] = [];
  let serviceRoleKey: string;
  /** Another user: the grantee of realtime topic grants, and the target of the admin routes. */
  let other: SignedUpUser;
  /** Real resources, so that requests with one hostile part reach the code behind the lookup. */
  const ids = {
    note: '',
    person: '',
    event: '',
    device: '',
    rule: '',
    task: '',
    credential: '',
    takeout: '',
    import: '',
    identifier: '',
    appPassword: '',
  };

  async function create(url: string, payload: object, pick: (body: Record<string, unknown>) => unknown) {
    const response = await hub.app.inject({ method: 'POST', url, headers: bearer(user), payload });
    expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
    return String(pick(response.json()));
  }

  async function makeFixtures(rulesExample: object) {
    ids.note = await create('/api/v1/entities', { type: 'note', title: 'sweep' }, (b) => b.id);
    ids.person = await create('/api/v1/entities', { type: 'person', title: 'Sweep Person' }, (b) => b.id);
    ids.event = await create(
      '/api/v1/calendar/events',
      { title: 'sweep', startsAt: '2026-01-02T03:04:05Z', endsAt: '2026-01-02T04:04:05Z' },
      (b) => b.id,
    );
    ids.device = await create(
      '/api/v1/devices',
      { name: 'sweep', kind: 'agent' },
      (b) => (b.device as { id: string }).id,
    );
    ids.rule = await create(
      '/api/v1/rules',
      { definition: rulesExample, approve: ['messages:send:sms', 'notify'] },
      (b) => (b.rule as { id: string }).id,
    );
    ids.task = await create('/api/v1/entities', { type: 'task', title: 'sweep' }, (b) => b.id);
    ids.credential = await create(
      '/api/v1/credentials',
      { type: 'twilio', name: 'sweep', secret: { accountSid: `AC${'0'.repeat(32)}`, authToken: 'sweep-auth-token-0' } },
      (b) => b.id,
    );
    ids.takeout = await create('/api/v1/takeouts', {}, (b) => b.id);
    ids.identifier = await create(
      `/api/v1/persons/${ids.person}/identifiers`,
      { kind: 'phone', value: '+14155550100' },
      (b) => (b.identifiers as { id: string }[])[0]!.id,
    );
    // A CSV import: its column mapping is what PUT /imports/{id}/mapping changes.
    const imported = await hub.app.inject({
      method: 'POST',
      url: '/api/v1/imports?name=sweep.csv&kind=csv',
      headers: { ...bearer(user), 'content-type': 'text/csv' },
      payload: 'name,phone\nSweep Import,+14155550111\n',
    });
    expect(imported.statusCode, imported.body).toBeLessThan(300);
    ids.import = imported.json().id;
    await create('/storage/v1/bucket', { name: 'sweep' }, () => '');
    await create('/storage/v1/bucket', { name: 'sweep-objects' }, () => '');
    const upload = await hub.app.inject({
      method: 'POST',
      url: '/storage/v1/object/sweep-objects/folder/file.txt',
      headers: { ...bearer(user), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(upload.statusCode, upload.body).toBe(200);
  }

  const fixtures: PathFixtures = (op, param) => {
    // The object routes get a bucket of their own: the bucket routes' hostile updates (a
    // MIME allow-list, a size limit) would otherwise stop every upload before its body is read.
    if (param === 'bucketId') return op.path.startsWith('/storage/v1/object/') ? 'sweep-objects' : 'sweep';
    if (param === 'topic') return `user:${user.id}`;
    if (param === 'userId') return other.id;
    if (param === 'threadId') return `sms:+14155550100:${ids.person}`;
    if (param === 'identifierId') return ids.identifier;
    if (param === '*' && op.path.startsWith('/storage/')) return 'folder/file.txt';
    if (param === 'personId' || op.path.startsWith('/api/v1/persons/{id}')) return ids.person;
    if (param !== 'id') return undefined;
    if (op.path.startsWith('/api/v1/entities/')) return ids.note;
    if (op.path.startsWith('/api/v1/calendar/events/')) return ids.event;
    if (op.path.startsWith('/api/v1/devices/')) return ids.device;
    if (op.path.startsWith('/api/v1/rules/')) return ids.rule;
    if (op.path.startsWith('/api/v1/tasks/')) return ids.task;
    if (op.path.startsWith('/api/v1/credentials/')) return ids.credential;
    if (op.path.startsWith('/api/v1/takeouts/{id}')) return ids.takeout;
    if (op.path.startsWith('/api/v1/imports/')) return ids.import;
    if (op.path.startsWith('/api/v1/dav/app-passwords/')) return ids.appPassword;
    if (op.path.startsWith('/auth/v1/admin/users/')) return other.id;
    return undefined;
  };

  beforeAll(async () => {
    hub = await createTestHub(kind, {
      AUTH_RATE_LIMIT_SIGNUP_PER_HOUR: '1000',
      AUTH_RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_EMAIL_PER_HOUR: '100000',
      AUTH_RATE_LIMIT_VERIFY_PER_HOUR: '100000',
    });
    user = await signUpUser(hub);
    other = await signUpUser(hub);
    serviceRoleKey = readFileSync(join(hub.dataDir, 'service-role-key'), 'utf8').trim();
    for (const route of accountEndingRoutes) throwawayUsers.set(route, await signUpUser(hub));

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
    ids.appPassword = revocable.json().appPassword.id;
    const setup = await hub.app.inject({ method: 'GET', url: '/api/v1/dav/setup', headers: bearer(user) });
    const basic = Buffer.from(`${setup.json().username}:${made.json().password}`).toString('base64');
    davAuthorization = `Basic ${basic}`;

    const docs = await hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    const documented = documentedOperations(docs.json() as OpenApiDocument);
    const routes = routesFromPrintedTree(hub.app.printRoutes({ commonPrefix: false }));
    // DELETEs last: the fixtures the other routes read stay in place until then.
    operations = [...documented, ...undocumentedOperations(documented, routes)].sort(
      (a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'),
    );
    // DAV collections and members by their real paths, so bodies reach the vCard and iCalendar parsers.
    const davHomes: [string, string][] = [
      [setup.json().carddavUrl, 'contacts/sweep.vcf'],
      [setup.json().caldavUrl, 'calendar/sweep.ics'],
    ];
    for (const [home, member] of davHomes) {
      const base = new URL(home).pathname.replace(/\/?$/, '/');
      const paths = [base, `${base}${member.split('/')[0]}/`, `${base}${member}`];
      for (const method of ['GET', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'REPORT', 'OPTIONS']) {
        for (const path of paths) operations.push({ method, path, pathParams: [], queryParams: [], headerParams: [] });
      }
    }
    const rulesBody = docs.json().paths['/api/v1/rules'].post.requestBody.content['application/json'].schema;
    await makeFixtures(rulesBody.properties.definition.example);
    healthBefore = (await hub.app.inject({ method: 'GET', url: '/health' })).statusCode;
  }, 180_000);
  afterAll(() => hub?.close());

  function authorizationFor(op: Operation, caller: Caller): Record<string, string> {
    if (caller === 'none') return {};
    if (caller !== 'user') return caller;
    if (op.path.startsWith('/dav') || op.path.startsWith('/.well-known/ca')) return { authorization: davAuthorization };
    // The admin routes answer only the service_role key: with it, bodies reach the admin code.
    if (op.path.startsWith('/auth/v1/admin/')) return { authorization: `Bearer ${serviceRoleKey}` };
    return bearer(throwawayUsers.get(`${op.method} ${op.path}`) ?? user);
  }

  /** The failure line for one request, or null when it was answered below 500 in time. */
  async function send(op: Operation, request: HostileRequest): Promise<string | null> {
    const label = `${op.method} ${op.path} [${request.variant}]`;
    let timer: NodeJS.Timeout | undefined;
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
            ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
          },
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        }),
        timeout,
      ]);
      if (response === 'timeout') return `${label}: no answer within ${requestTimeoutMs / 1000} s`;
      // SWEEP_LOG=<file>: every answer's status, route and variant, to see how deep the sweep reaches.
      if (process.env.SWEEP_LOG)
        appendFileSync(
          process.env.SWEEP_LOG,
          `${response.statusCode} ${label} ${response.body.slice(0, 160).replace(/\n/g, ' ')}\n`,
        );
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

  it('still answers /health, and the sweep did not end its own session', async () => {
    const health = await hub.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(healthBefore);
    const me = await hub.app.inject({ method: 'GET', url: '/auth/v1/user', headers: bearer(user) });
    expect(me.statusCode, me.body).toBe(200);
  });
});
