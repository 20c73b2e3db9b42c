import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  firstAlternative,
  mapStrings,
  nestedJson,
  sampleValue,
  typeOf,
  wrongTypeValue,
  type JsonSchema,
} from './schema-values.ts';

export interface Parameter {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

/** One route as the sweep sees it: from the OpenAPI document, or bare from Fastify's table. */
export interface Operation {
  method: string;
  /** OpenAPI spelling: `/api/v1/entities/{id}`, `/storage/v1/object/{bucketId}/{*}`. */
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  headerParams: Parameter[];
  body?: JsonSchema;
  /** Which resource stands behind its path parameters, when one route is swept on several (a Twilio and a Microsoft connection). */
  resource?: string;
}

/** Who the request claims to be: the signed-in user, nobody, or a given Authorization header. */
export type Caller = 'user' | 'none' | { authorization: string };

export interface HostileRequest {
  variant: string;
  url: string;
  caller: Caller;
  contentType?: string;
  /** Headers the operation declares (If-Match, secrets), base or hostile. */
  headers?: Record<string, string>;
  payload?: string | Buffer;
  /** See RawBody.sid. */
  sid?: string;
}

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';
const ONE_MB = 'x'.repeat(1_000_000);

/** Already percent-encoded: what a hostile client puts in a path segment. */
const hostilePathValues: Record<string, string> = {
  'not a uuid': 'not-a-uuid',
  'at the length limit': 'A'.repeat(200),
  'over the length limit': 'A'.repeat(5000),
  NUL: '%00',
  'NUL inside': 'a%00b',
  'dot-dot': '..',
  'encoded traversal': '..%2F..%2Fetc%2Fpasswd',
  unicode: encodeURIComponent('ünïcødé-😀'),
  'lone surrogate (CESU-8)': '%ED%A0%80',
  'bad percent escape': '%E0%A4%A',
  'negative number': '-1',
  'huge number': '99999999999999999999',
  'SQL quote': encodeURIComponent("x'; DROP TABLE x; --"),
};

/** Already percent-encoded query values. */
const hostileQueryValues: Record<string, string> = {
  'wrong type': 'abc',
  negative: '-1',
  zero: '0',
  'float overflow': '1e309',
  'int overflow': '99999999999999999999',
  NUL: '%00',
  'NUL inside': 'a%00b',
  'lone surrogate (CESU-8)': '%ED%A0%80',
  emoji: '%F0%9F%98%80',
  'very long': 'x'.repeat(5000),
  empty: '',
  'year 0': '0000-01-01T00:00:00Z',
  'year 275760': '%2B275760-09-13T00:00:00.000Z',
  'bad percent escape': '%E0%A4%A',
};

/** Header values (headers cannot carry NUL or non-Latin-1 text, so those stay out). */
const hostileHeaderValues: Record<string, string> = {
  garbage: 'garbage',
  'negative version': '"-1"',
  'huge version': '"99999999999999999999"',
  'weak tag': 'W/"1"',
  'very long': 'x'.repeat(5000),
  empty: '',
};

const garbageCallers: Record<string, Caller> = {
  'no Authorization': 'none',
  'garbage bearer': { authorization: 'Bearer garbage' },
  'forged JWT (alg none)': {
    authorization: `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      '{"sub":"00000000-0000-0000-0000-000000000000","role":"service_role"}',
    ).toString('base64url')}.`,
  },
  'Basic instead of Bearer': { authorization: 'Basic Zm9vOmJhcg==' },
};

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND', 'PROPPATCH', 'REPORT']);

/** Well-formed DAV requests with hostile values: sync tokens, time ranges, hrefs. */
function davReports() {
  const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>${body}`;
  const sync = (token: string) =>
    xml(
      `<sync-collection xmlns="DAV:"><sync-token>${token}</sync-token><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>`,
    );
  const range = (start: string, end: string) =>
    xml(
      '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>' +
        `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${start}" end="${end}"/>` +
        '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>',
    );
  const multiget = (...hrefs: string[]) =>
    xml(
      '<B:addressbook-multiget xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav"><A:prop><A:getetag/><B:address-data/></A:prop>' +
        `${hrefs.map((h) => `<A:href>${h}</A:href>`).join('')}</B:addressbook-multiget>`,
    );
  return [
    { variant: 'DAV sync token huge', payload: sync('http://x/sync/99999999999999999999999999') },
    { variant: 'DAV sync token negative', payload: sync('-1') },
    { variant: 'DAV sync token garbage', payload: sync('%00../..\u00e9') },
    { variant: 'DAV time range far future', payload: range('99991231T235959Z', '99991231T235959Z') },
    { variant: 'DAV time range reversed, year 0', payload: range('20261231T000000Z', '00000101T000000Z') },
    { variant: 'DAV time range garbage', payload: range('garbage', '-1') },
    {
      variant: 'DAV multiget hostile hrefs',
      payload: multiget('/dav/../../etc/passwd', '%00', '%ED%A0%80', 'x'.repeat(5000)),
    },
    {
      variant: 'DAV PROPPATCH huge value',
      payload: xml(
        `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>${'x'.repeat(100_000)}</D:displayname></D:prop></D:set></D:propertyupdate>`,
      ),
    },
    { variant: 'DAV PROPFIND allprop', payload: xml('<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>') },
  ].map((body) => ({ ...body, contentType: 'text/xml; charset=utf-8' }));
}

/** Raw bodies for routes whose body the OpenAPI document does not describe (uploads, webhooks, DAV). */
const rawBodies: { variant: string; contentType: string; payload: string }[] = [
  { variant: 'invalid JSON', contentType: 'application/json', payload: '{"broken":' },
  { variant: 'JSON with NUL', contentType: 'application/json', payload: '{"a":"x\\u0000y","b\\u0000":1}' },
  { variant: 'JSON __proto__', contentType: 'application/json', payload: '{"__proto__":{"polluted":true}}' },
  { variant: 'form with NUL', contentType: 'application/x-www-form-urlencoded', payload: 'a=%00&b=%ED%A0%80&a=2' },
  { variant: 'multipart junk', contentType: 'multipart/form-data; boundary=zzz', payload: '--zzz\r\njunk\r\n--' },
  { variant: 'multipart no boundary', contentType: 'multipart/form-data', payload: 'junk' },
  {
    // The form ends inside its file part: the parser then fails the file's own stream.
    variant: 'multipart cut off inside the file part',
    contentType: 'multipart/form-data; boundary=zzz',
    payload:
      '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nabc',
  },
  {
    variant: 'multipart cut off inside a second file part',
    contentType: 'multipart/form-data; boundary=zzz',
    payload:
      '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nabc\r\n' +
      '--zzz\r\nContent-Disposition: form-data; name="file"; filename="b.txt"\r\nContent-Type: text/plain\r\n\r\nabc',
  },
  { variant: 'binary junk', contentType: 'application/octet-stream', payload: '\u0000\u00ff\u0001junk' },
  { variant: 'XML junk', contentType: 'application/xml', payload: '<?xml version="1.0"?><a><b></a>' },
  {
    variant: 'XML entity expansion',
    contentType: 'application/xml',
    payload:
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><propfind xmlns="DAV:"><prop>&d;&d;&d;&d;</prop></propfind>',
  },
  {
    variant: 'XML deeply nested',
    contentType: 'application/xml',
    payload: `<?xml version="1.0"?>${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}`,
  },
  { variant: 'XML with NUL', contentType: 'application/xml', payload: '<propfind xmlns="DAV:">\u0000</propfind>' },
  { variant: 'vCard junk', contentType: 'text/vcard', payload: 'BEGIN:VCARD\r\nFN:\u0000\ud800\r\nEND' },
  { variant: 'iCalendar junk', contentType: 'text/calendar', payload: 'BEGIN:VCALENDAR\r\nDTSTART:99999999\r\n' },
  {
    variant: 'vCard with impossible values',
    contentType: 'text/vcard',
    payload:
      'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:\u0000\r\nFN:A\u0000\r\nBDAY:99999-99-99\r\nTEL:\ud800\r\nEMAIL:@\r\nEND:VCARD\r\n',
  },
  {
    variant: 'iCalendar with impossible values',
    contentType: 'text/calendar',
    payload:
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:\u0000\r\nDTSTART:99991231T999999Z\r\nDTEND:00000101T000000Z\r\nRRULE:FREQ=SECONDLY;COUNT=999999999\r\nSUMMARY:\u0000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
  },
  ...davReports(),
  {
    variant: 'CSV junk',
    contentType: 'text/csv',
    payload: 'name,phone\n"unterminated,\u0000\n\ud800,99999999999999999999\n',
  },
  {
    variant: 'mail junk',
    contentType: 'message/rfc822',
    payload:
      'From x\r\nFrom: \u0000\r\nDate: not a date\r\nSubject: =?utf-8?B?////?=\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n',
  },
];

/** A raw body in a provider's own format, with hostile values (a signed Twilio form, a Graph notification). */
export interface RawBody {
  variant: string;
  contentType: string;
  /** Text is sent as UTF-8; bytes as they are. */
  payload: string | Buffer;
  /** Appended to the URL's query (Twilio's bodySHA256). */
  query?: string;
  /** The provider's id of what the body would store (a MessageSid): refused, nothing may carry it. */
  sid?: string;
}

/** Real resources made before the sweep, so that a request with one hostile part gets past the lookup. */
export interface Fixtures {
  /** A real resource's id for a path parameter, when there is one. */
  path(op: Operation, param: string): string | undefined;
  /** A value for a query parameter that must name a real resource (a credential id). */
  query?(op: Operation, name: string): string | undefined;
  /** A header value only a real resource has (a rule's webhook secret). */
  header?(op: Operation, name: string): string | undefined;
  /** Properties of a valid body that name real resources (the other person of a merge, an MFA challenge). */
  body?(op: Operation): Record<string, unknown> | undefined;
  /** Hostile bodies in the route's own protocol, besides the generic raw ones. */
  rawBodies?(op: Operation): RawBody[];
}

function pathValue(op: Operation, param: Parameter, fixtures: Fixtures): string {
  const fixture = fixtures.path(op, param.name);
  if (fixture !== undefined) return param.name === '*' ? fixture : encodeURIComponent(fixture);
  if (param.name === '*') return 'folder/file.txt';
  const value = sampleValue(param.schema, 0, param.name);
  return encodeURIComponent(typeof value === 'string' && value !== 'x' ? value : randomUUID());
}

function buildUrl(path: string, pathValues: Record<string, string>, query: string): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_all, name: string) => pathValues[name] ?? 'x');
  return query ? `${filled}?${query}` : filled;
}

const queryValue = (op: Operation, p: Parameter, fixtures: Fixtures) =>
  fixtures.query?.(op, p.name) ?? String(sampleValue(p.schema, 0, p.name));

function baseQuery(op: Operation, fixtures: Fixtures): string {
  return op.queryParams
    .filter((p) => p.required || fixtures.query?.(op, p.name) !== undefined)
    .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(queryValue(op, p, fixtures))}`)
    .join('&');
}

/** Every hostile request for one operation, in a fixed order. */
export function hostileRequests(op: Operation, fixtures: Fixtures): HostileRequest[] {
  const out: HostileRequest[] = [];
  const basePath = Object.fromEntries(op.pathParams.map((p) => [p.name, pathValue(op, p, fixtures)]));
  const query = baseQuery(op, fixtures);
  const url = buildUrl(op.path, basePath, query);
  const bodyShape = op.body && firstAlternative(op.body);
  const sampled = bodyShape ? sampleValue(bodyShape) : undefined;
  const real = fixtures.body?.(op);
  const base = real && typeof sampled === 'object' && sampled !== null ? { ...sampled, ...real } : sampled;
  const json = (payload: unknown) => ({ contentType: 'application/json', payload: JSON.stringify(payload) });
  // The rules' If-Match is their version: the fixture is at 1, so a base request gets past it.
  const headers = Object.fromEntries(
    op.headerParams.map((h) => [
      h.name,
      fixtures.header?.(op, h.name) ?? (h.name === 'if-match' ? '"1"' : String(sampleValue(h.schema, 0, h.name))),
    ]),
  );
  const withBase = { headers, ...(bodyShape ? json(base) : {}) };

  for (const [variant, caller] of Object.entries(garbageCallers)) out.push({ variant, url, caller, ...withBase });
  out.push({ variant: 'valid-looking request', url, caller: 'user', ...withBase });

  for (const param of op.pathParams) {
    for (const [name, value] of Object.entries(hostilePathValues)) {
      const hostileUrl = buildUrl(op.path, { ...basePath, [param.name]: value }, query);
      out.push({ variant: `path ${param.name}: ${name}`, url: hostileUrl, caller: 'user', ...withBase });
    }
  }

  for (const param of op.queryParams) {
    const others = query.split('&').filter((pair) => pair && !pair.startsWith(`${encodeURIComponent(param.name)}=`));
    const key = encodeURIComponent(param.name);
    const withQuery = (q: string) => buildUrl(op.path, basePath, [...others, q].join('&'));
    for (const [name, value] of Object.entries(hostileQueryValues)) {
      out.push({ variant: `query ${param.name}: ${name}`, url: withQuery(`${key}=${value}`), caller: 'user' });
    }
    out.push({ variant: `query ${param.name}: array`, url: withQuery(`${key}=1&${key}=2`), caller: 'user' });
  }
  for (const header of op.headerParams) {
    for (const [name, value] of Object.entries(hostileHeaderValues)) {
      const hostile = { ...headers, [header.name]: value };
      out.push({ variant: `header ${header.name}: ${name}`, url, caller: 'user', ...withBase, headers: hostile });
    }
  }
  out.push({
    variant: 'query: prototype keys',
    url: buildUrl(op.path, basePath, [query, '__proto__=1&constructor%5Bprototype%5D=1'].filter(Boolean).join('&')),
    caller: 'user',
  });

  if (bodyShape) out.push(...schemaBodies(bodyShape, base, url).map((r) => ({ ...r, headers })));
  else if (bodyMethods.has(op.method)) {
    // Uploads read their query (imports' kind=...): every raw body once per value of the first enum.
    const choice = op.queryParams.find((p) => p.schema.enum?.length);
    for (const value of choice?.schema.enum ?? [undefined]) {
      const pairs = op.queryParams.map((p) => {
        const given = p === choice ? value : queryValue(op, p, fixtures);
        return `${encodeURIComponent(p.name)}=${encodeURIComponent(String(given))}`;
      });
      const rawUrl = buildUrl(op.path, basePath, pairs.join('&'));
      const label = choice ? ` (${choice.name}=${String(value)})` : '';
      for (const raw of rawBodies) out.push({ ...raw, variant: `${raw.variant}${label}`, url: rawUrl, caller: 'user' });
    }
  }
  // A compressed body: refused (415) before it is read, in the route's API shape.
  if (bodyShape || bodyMethods.has(op.method)) {
    out.push({
      variant: 'gzip Content-Encoding',
      url,
      caller: 'user',
      contentType: bodyShape ? 'application/json' : 'application/octet-stream',
      headers: { ...headers, 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify(base ?? {})),
    });
  }
  for (const { query: extra, ...raw } of fixtures.rawBodies?.(op) ?? []) {
    const rawUrl = extra ? `${url}${url.includes('?') ? '&' : '?'}${extra}` : url;
    out.push({ ...raw, url: rawUrl, caller: 'user' });
  }
  return out;
}

function schemaBodies(shape: JsonSchema, base: unknown, url: string): HostileRequest[] {
  const out: HostileRequest[] = [];
  const add = (variant: string, payload: string, contentType = 'application/json') =>
    out.push({ variant: `body: ${variant}`, url, caller: 'user', contentType, payload });
  const text = JSON.stringify(base);

  add('invalid JSON', '{"broken":');
  add('empty with JSON content-type', '');
  for (const [name, value] of Object.entries({ array: [], string: 'x', number: 42, null: null, true: true })) {
    add(`JSON ${name} instead of object`, JSON.stringify(value));
  }
  add('prototype pollution (__proto__)', '{"__proto__":{"polluted":true}}');
  add('prototype pollution (constructor)', '{"constructor":{"prototype":{"polluted":true}}}');
  add('text/plain', text, 'text/plain');
  add('form-encoded', 'a=1&b=%00', 'application/x-www-form-urlencoded');
  add('multipart junk', '--zzz\r\njunk\r\n--', 'multipart/form-data; boundary=zzz');
  add('JSON as UTF-16', text, 'application/json; charset=utf-16');
  add('deeply nested extra property', `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"deep":${nestedJson(5000)}}`);
  add('every string with NUL', JSON.stringify(mapStrings(base, (s) => `${s}${NUL}`)));
  add('every string with a lone surrogate', JSON.stringify(mapStrings(base, (s) => `${s}${LONE_SURROGATE}`)));
  add('every string and key with NUL', JSON.stringify(mapStrings(base, (s) => `${s}${NUL}`, true)));
  add('every string escaped NUL', JSON.stringify(base).replace(/"(?=[,}\]])/g, '\\u0000"'));

  if (typeOf(shape) !== 'object' || typeof base !== 'object' || base === null) return out;
  const record = base as Record<string, unknown>;
  const properties = shape.properties ?? {};
  add('no properties', '{}');
  add(
    'every property of the wrong type',
    JSON.stringify(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, wrongTypeValue(s)]))),
  );
  for (const [name, schema] of Object.entries(properties)) {
    const without = { ...record };
    delete without[name];
    if (shape.required?.includes(name)) add(`required ${name} missing`, JSON.stringify(without));
    add(`${name} of the wrong type`, JSON.stringify({ ...record, [name]: wrongTypeValue(schema) }));
    add(`${name} null`, JSON.stringify({ ...record, [name]: null }));
    if (!(name in record)) add(`${name} given`, JSON.stringify({ ...record, [name]: sampleValue(schema, 1, name) }));
    for (const [label, bad] of [
      ['NUL', NUL],
      ['a lone surrogate', LONE_SURROGATE],
    ]) {
      const valid = record[name] ?? sampleValue(schema, 1, name);
      const changed = mapStrings(valid, (s) => `${s}${bad}`, true);
      if (JSON.stringify(changed) !== JSON.stringify(valid)) {
        add(`${name} with ${label}`, JSON.stringify({ ...record, [name]: changed }));
      }
    }
    const type = typeOf(schema);
    if (type === 'string') add(`${name} 1 MB`, JSON.stringify({ ...record, [name]: ONE_MB }));
    if (type === 'integer' || type === 'number') {
      add(`${name} huge`, JSON.stringify({ ...record, [name]: 1e308 }));
      add(`${name} negative`, JSON.stringify({ ...record, [name]: -2147483649 }));
      add(`${name} fractional`, JSON.stringify({ ...record, [name]: 1.5 }));
    }
    if (type === 'object' || type === 'array' || type === undefined) {
      const nested = JSON.stringify({ ...record, [name]: '__NESTED__' }).replace('"__NESTED__"', nestedJson(5000));
      add(`${name} deeply nested`, nested);
      add(
        `${name} with __proto__`,
        JSON.stringify({ ...record, [name]: '__P__' }).replace('"__P__"', '{"__proto__":{"x":1}}'),
      );
    }
  }
  return out;
}
