import { DavError } from './dav.errors.ts';
import type { DavPrincipal } from './dav.passwords.ts';
import type { CollectionKind } from './dav.repository.ts';
import { contentTypeOf, renderMember, type DavService, type Member } from './dav.service.ts';
import type { VCardVersion } from './dav.vcard.ts';
import { child, childrenOf, el, is, ns, renderXml, type Out, type XmlElement } from './dav.xml.ts';

/**
 * PROPFIND and REPORT (RFC 4918, 6352, 4791, 6578) over the hub's resources: the root, the
 * account's principal, an address-book home and a calendar home with one collection each,
 * and their members (one person per vCard, one event or series per iCalendar object).
 */

export const davRoot = '/dav';

export type DavNode =
  | { kind: 'root' }
  | { kind: 'principal' }
  | { kind: 'home'; collection: CollectionKind }
  | { kind: 'collection'; collection: CollectionKind }
  | { kind: 'member'; collection: CollectionKind; name: string };

const homeSegment = { contacts: 'addressbooks', calendar: 'calendars' } as const;
const collectionSegment = { contacts: 'contacts', calendar: 'calendar' } as const;

export const hrefs = {
  root: () => `${davRoot}/`,
  principal: (userId: string) => `${davRoot}/principals/${userId}/`,
  home: (userId: string, kind: CollectionKind) => `${davRoot}/${homeSegment[kind]}/${userId}/`,
  collection: (userId: string, kind: CollectionKind) =>
    `${davRoot}/${homeSegment[kind]}/${userId}/${collectionSegment[kind]}/`,
  member: (userId: string, kind: CollectionKind, name: string) =>
    `${hrefs.collection(userId, kind)}${encodeURIComponent(name)}`,
};

/** A resource name a client may choose: one path segment of printable characters. */
const validName = (name: string) =>
  name.length >= 1 &&
  name.length <= 255 &&
  name !== '.' &&
  name !== '..' &&
  ![...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Resolves a request path (after percent-decoding its segments) to a node of `user`; null is a 404. */
export function resolvePath(pathname: string, user: DavPrincipal): DavNode | null {
  if (pathname !== davRoot && !pathname.startsWith(`${davRoot}/`)) return null;
  let segments: string[];
  try {
    segments = pathname.slice(davRoot.length).split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
  if (segments.length === 0) return { kind: 'root' };
  const [area, owner, collection, name, ...rest] = segments;
  // Another account's paths do not exist for this one.
  if (owner !== user.id || rest.length > 0) return null;
  if (area === 'principals') return collection === undefined ? { kind: 'principal' } : null;
  const kind = area === 'addressbooks' ? 'contacts' : area === 'calendars' ? 'calendar' : null;
  if (kind === null) return null;
  if (collection === undefined) return { kind: 'home', collection: kind };
  if (collection !== collectionSegment[kind]) return null;
  if (name === undefined) return { kind: 'collection', collection: kind };
  return validName(name) ? { kind: 'member', collection: kind, name } : null;
}

export function hrefOf(node: DavNode, user: DavPrincipal): string {
  switch (node.kind) {
    case 'root':
      return hrefs.root();
    case 'principal':
      return hrefs.principal(user.id);
    case 'home':
      return hrefs.home(user.id, node.collection);
    case 'collection':
      return hrefs.collection(user.id, node.collection);
    case 'member':
      return hrefs.member(user.id, node.collection, node.name);
  }
}

const key = (namespace: string, name: string) => `${namespace}|${name}`;
const href = (value: string) => el(ns.dav, 'href', value);
type Value = Out[] | string;
/** A property's value, or undefined when this resource does not have it (404 in its propstat). */
type Getter = string | (() => Promise<Value | undefined> | Value | undefined);

interface PropContext {
  user: DavPrincipal;
  service: DavService;
  /** The vCard version the client asked for (Accept, or address-data's version). */
  vcardVersion: VCardVersion;
  /** Collection state, read once per request. */
  token: (kind: CollectionKind) => Promise<string>;
}

const privileges = (...names: string[]) => names.map((n) => el(ns.dav, 'privilege', [el(ns.dav, n)]));
const reportsOf = (kind: CollectionKind) =>
  (kind === 'contacts' ? ['addressbook-multiget', 'addressbook-query'] : ['calendar-multiget', 'calendar-query'])
    .map((name): [string, string] => [kind === 'contacts' ? ns.card : ns.cal, name])
    .concat([[ns.dav, 'sync-collection']])
    .map(([namespace, name]) => el(ns.dav, 'supported-report', [el(ns.dav, 'report', [el(namespace, name)])]));

/** The properties each kind of node has. `cheap` ones are returned for allprop. */
function propertiesOf(node: DavNode, context: PropContext, memberOf?: Member): Map<string, Getter> {
  const { user } = context;
  const props = new Map<string, Getter>();
  const set = (namespace: string, name: string, getter: Getter) => props.set(key(namespace, name), getter);
  set(ns.dav, 'current-user-principal', () => [href(hrefs.principal(user.id))]);
  switch (node.kind) {
    case 'root':
      set(ns.dav, 'resourcetype', () => [el(ns.dav, 'collection')]);
      set(ns.dav, 'displayname', 'Made Open');
      break;
    case 'principal':
      set(ns.dav, 'resourcetype', () => [el(ns.dav, 'principal')]);
      set(ns.dav, 'displayname', user.email);
      set(ns.dav, 'principal-URL', () => [href(hrefs.principal(user.id))]);
      set(ns.card, 'addressbook-home-set', () => [href(hrefs.home(user.id, 'contacts'))]);
      set(ns.cal, 'calendar-home-set', () => [href(hrefs.home(user.id, 'calendar'))]);
      set(ns.cal, 'calendar-user-address-set', () => [href(`mailto:${user.email}`), href(hrefs.principal(user.id))]);
      set(ns.cs, 'email-address-set', () => [el(ns.cs, 'email-address', user.email)]);
      break;
    case 'home':
      set(ns.dav, 'resourcetype', () => [el(ns.dav, 'collection')]);
      set(ns.dav, 'displayname', node.collection === 'contacts' ? 'Address books' : 'Calendars');
      set(ns.dav, 'current-user-privilege-set', () => privileges('read'));
      set(ns.dav, 'owner', () => [href(hrefs.principal(user.id))]);
      break;
    case 'collection': {
      const kind = node.collection;
      set(ns.dav, 'resourcetype', () => [
        el(ns.dav, 'collection'),
        kind === 'contacts' ? el(ns.card, 'addressbook') : el(ns.cal, 'calendar'),
      ]);
      set(ns.dav, 'displayname', kind === 'contacts' ? 'Made Open contacts' : 'Made Open calendar');
      set(ns.dav, 'owner', () => [href(hrefs.principal(user.id))]);
      set(ns.dav, 'current-user-privilege-set', () =>
        privileges('read', 'write', 'write-content', 'write-properties', 'bind', 'unbind'),
      );
      set(ns.dav, 'supported-report-set', () => reportsOf(kind));
      set(ns.dav, 'sync-token', () => context.token(kind));
      set(ns.cs, 'getctag', () => context.token(kind));
      if (kind === 'contacts') {
        set(ns.card, 'addressbook-description', 'Your people in Made Open');
        set(ns.card, 'supported-address-data', () => [
          el(ns.card, 'address-data-type', undefined, { 'content-type': 'text/vcard', version: '3.0' }),
          el(ns.card, 'address-data-type', undefined, { 'content-type': 'text/vcard', version: '4.0' }),
        ]);
        set(ns.card, 'max-resource-size', String(maxResourceBytes));
      } else {
        set(ns.cal, 'calendar-description', 'Your events in Made Open');
        set(ns.cal, 'supported-calendar-component-set', () => [el(ns.cal, 'comp', undefined, { name: 'VEVENT' })]);
        set(ns.cal, 'supported-calendar-data', () => [
          el(ns.cal, 'calendar-data', undefined, { 'content-type': 'text/calendar', version: '2.0' }),
        ]);
        set(ns.cal, 'max-resource-size', String(maxResourceBytes));
        set(ns.apple, 'calendar-color', '#2F6FEBFF');
      }
      break;
    }
    case 'member': {
      const kind = node.collection;
      const m = memberOf!;
      set(ns.dav, 'resourcetype', () => []);
      set(ns.dav, 'getetag', m.etag);
      set(ns.dav, 'getcontenttype', contentTypeOf[kind]);
      set(ns.dav, 'getlastmodified', new Date(m.row.updated_at).toUTCString());
      set(ns.dav, 'getcontentlength', () => String(Buffer.byteLength(renderMember(kind, m.row, context.vcardVersion))));
      if (kind === 'contacts') set(ns.card, 'address-data', () => renderMember(kind, m.row, context.vcardVersion));
      else set(ns.cal, 'calendar-data', () => renderMember(kind, m.row));
      break;
    }
  }
  return props;
}

/** The largest vCard or iCalendar object a PUT may send. */
export const maxResourceBytes = 4 * 1024 * 1024;

/** Properties too costly for allprop (RFC 4918 lets a server leave them out). */
const notInAllprop = new Set([
  key(ns.card, 'address-data'),
  key(ns.cal, 'calendar-data'),
  key(ns.dav, 'getcontentlength'),
]);

type Wanted = { mode: 'allprop' } | { mode: 'propname' } | { mode: 'prop'; names: { ns: string; name: string }[] };

export function wantedOf(root: XmlElement | undefined): Wanted {
  if (!root) return { mode: 'allprop' };
  if (child(root, ns.dav, 'propname')) return { mode: 'propname' };
  const prop = child(root, ns.dav, 'prop');
  if (prop) return { mode: 'prop', names: prop.children.map((c) => ({ ns: c.ns, name: c.name })) };
  return { mode: 'allprop' };
}

const statusLine = (code: number) =>
  `HTTP/1.1 ${code} ${({ 200: 'OK', 404: 'Not Found', 403: 'Forbidden' } as Record<number, string>)[code] ?? ''}`.trim();

async function responseFor(hrefValue: string, props: Map<string, Getter>, wanted: Wanted): Promise<Out> {
  const found: Out[] = [];
  const missing: Out[] = [];
  if (wanted.mode === 'propname') {
    for (const k of props.keys()) {
      const [namespace, name] = k.split('|') as [string, string];
      found.push(el(namespace, name));
    }
  } else {
    const names =
      wanted.mode === 'allprop'
        ? [...props.keys()].filter((k) => !notInAllprop.has(k)).map((k) => k.split('|') as [string, string])
        : wanted.names.map((n) => [n.ns, n.name] as [string, string]);
    for (const [namespace, name] of names) {
      const getter = props.get(key(namespace, name));
      const value = typeof getter === 'string' ? getter : getter ? await getter() : undefined;
      if (value === undefined) missing.push(el(namespace, name));
      else found.push(el(namespace, name, value));
    }
  }
  const propstats: Out[] = [];
  if (found.length > 0 || missing.length === 0)
    propstats.push(el(ns.dav, 'propstat', [el(ns.dav, 'prop', found), el(ns.dav, 'status', statusLine(200))]));
  if (missing.length > 0)
    propstats.push(el(ns.dav, 'propstat', [el(ns.dav, 'prop', missing), el(ns.dav, 'status', statusLine(404))]));
  return el(ns.dav, 'response', [href(hrefValue), ...propstats]);
}

const goneResponse = (hrefValue: string) =>
  el(ns.dav, 'response', [href(hrefValue), el(ns.dav, 'status', statusLine(404))]);

export const multistatus = (responses: Out[], extra: Out[] = []) =>
  renderXml(el(ns.dav, 'multistatus', [...responses, ...extra]));

export interface ProtocolDeps {
  service: DavService;
}

function contextFor(deps: ProtocolDeps, user: DavPrincipal, vcardVersion: VCardVersion): PropContext {
  const tokens = new Map<CollectionKind, Promise<string>>();
  return {
    user,
    service: deps.service,
    vcardVersion,
    token: (kind) => {
      let token = tokens.get(kind);
      if (!token) {
        token = deps.service.syncToken(user, kind);
        tokens.set(kind, token);
      }
      return token;
    },
  };
}

/** PROPFIND at depth 0 or 1 (infinity is refused, as RFC 4918 allows). */
export async function propfind(
  deps: ProtocolDeps,
  user: DavPrincipal,
  node: DavNode,
  depth: '0' | '1',
  body: XmlElement | undefined,
  vcardVersion: VCardVersion,
): Promise<string> {
  if (body && !is(body, ns.dav, 'propfind')) throw new DavError(400, 'A PROPFIND body is a DAV:propfind element.');
  const wanted = wantedOf(body);
  const context = contextFor(deps, user, vcardVersion);
  const responses: Out[] = [];
  if (node.kind === 'member') {
    const m = await deps.service.get(user, node.collection, node.name);
    if (!m) throw new DavError(404, 'No such resource.');
    responses.push(await responseFor(hrefOf(node, user), propertiesOf(node, context, m), wanted));
    return multistatus(responses);
  }
  responses.push(await responseFor(hrefOf(node, user), propertiesOf(node, context), wanted));
  if (depth === '1') {
    if (node.kind === 'home') {
      const inner: DavNode = { kind: 'collection', collection: node.collection };
      responses.push(await responseFor(hrefOf(inner, user), propertiesOf(inner, context), wanted));
    } else if (node.kind === 'collection') {
      for (const m of await deps.service.members(user, node.collection)) {
        const inner: DavNode = { kind: 'member', collection: node.collection, name: m.name };
        responses.push(await responseFor(hrefOf(inner, user), propertiesOf(inner, context, m), wanted));
      }
    }
  }
  return multistatus(responses);
}

/** The member name an href names inside `collectionHref`, or null. */
function memberName(hrefValue: string, collectionHref: string): string | null {
  let path: string;
  try {
    path = new URL(hrefValue.trim(), 'http://dav.invalid').pathname;
  } catch {
    return null;
  }
  if (!path.startsWith(collectionHref)) return null;
  const rest = path.slice(collectionHref.length);
  if (rest === '' || rest.includes('/')) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

/** calendar-query's VEVENT time-range, if it gives one. */
function timeRangeOf(filter: XmlElement | undefined): { start: number; end: number } | null | 'none' {
  const calendarFilter = child(filter, ns.cal, 'comp-filter');
  if (!calendarFilter) return null;
  const inner = child(calendarFilter, ns.cal, 'comp-filter');
  if (!inner) return null;
  if (inner.attrs.name?.toUpperCase() !== 'VEVENT') return 'none';
  const range = child(inner, ns.cal, 'time-range');
  if (!range) return null;
  const read = (value: string | undefined, fallback: number) => {
    const match = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
    if (!value) return fallback;
    if (!match)
      throw new DavError(400, 'A time-range is written like 20261201T000000Z.', {
        precondition: 'valid-filter',
        ns: ns.cal,
      });
    const [, y, mo, d, h, mi, s] = match;
    return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  };
  return { start: read(range.attrs.start, -Infinity), end: read(range.attrs.end, Infinity) };
}

function overlaps(m: Member, range: { start: number; end: number }): boolean {
  const p = m.row.properties;
  const start = Date.parse(String(p.startsAt));
  const end = typeof p.endsAt === 'string' ? Date.parse(p.endsAt) : start;
  // A series may have an instance in any window after it starts.
  if (typeof p.recurrence === 'string') return start < range.end;
  return start < range.end && (end > range.start || (end === start && start >= range.start));
}

const maxHrefs = 5000;

/** REPORT on a collection: multiget, query, sync-collection. */
export async function report(
  deps: ProtocolDeps,
  user: DavPrincipal,
  node: DavNode,
  body: XmlElement,
  vcardVersionFromAccept: VCardVersion,
): Promise<string> {
  if (node.kind !== 'collection')
    throw new DavError(403, 'Reports are answered on the address book and the calendar.', {
      precondition: 'supported-report',
    });
  const kind = node.collection;
  const dataNs = kind === 'contacts' ? ns.card : ns.cal;
  const wanted = wantedOf(body);
  // address-data may ask for a version: <card:address-data content-type="text/vcard" version="4.0"/>.
  const addressData = wanted.mode === 'prop' ? child(child(body, ns.dav, 'prop'), ns.card, 'address-data') : undefined;
  const version: VCardVersion =
    addressData?.attrs.version === '4.0'
      ? '4.0'
      : addressData?.attrs.version === '3.0'
        ? '3.0'
        : vcardVersionFromAccept;
  const context = contextFor(deps, user, version);
  const collectionHref = hrefs.collection(user.id, kind);
  const respond = (m: Member) =>
    responseFor(
      hrefs.member(user.id, kind, m.name),
      propertiesOf({ kind: 'member', collection: kind, name: m.name }, context, m),
      wanted,
    );

  if (is(body, dataNs, kind === 'contacts' ? 'addressbook-multiget' : 'calendar-multiget')) {
    const given = childrenOf(body, ns.dav, 'href').map((h) => h.text);
    if (given.length > maxHrefs) throw new DavError(400, `At most ${maxHrefs} hrefs per multiget.`);
    const names = given.map((h) => memberName(h, collectionHref));
    const found = new Map(
      (
        await deps.service.members(
          user,
          kind,
          names.filter((n): n is string => n !== null),
        )
      ).map((m) => [m.name, m]),
    );
    const responses: Out[] = [];
    for (const [i, name] of names.entries()) {
      const m = name === null ? undefined : found.get(name);
      responses.push(m ? await respond(m) : goneResponse(given[i]!));
    }
    return multistatus(responses);
  }
  if (is(body, dataNs, kind === 'contacts' ? 'addressbook-query' : 'calendar-query')) {
    let members = await deps.service.members(user, kind);
    if (kind === 'calendar') {
      const range = timeRangeOf(child(body, ns.cal, 'filter'));
      if (range === 'none') members = [];
      else if (range) members = members.filter((m) => overlaps(m, range));
    }
    const responses: Out[] = [];
    for (const m of members) responses.push(await respond(m));
    return multistatus(responses);
  }
  if (is(body, ns.dav, 'sync-collection')) {
    const level = child(body, ns.dav, 'sync-level')?.text.trim();
    if (level !== undefined && level !== '1')
      throw new DavError(403, 'Only sync-level 1 is offered (one collection, no children).', {
        precondition: 'sync-traversal-supported',
      });
    const token = child(body, ns.dav, 'sync-token')?.text.trim() || null;
    const changes = await deps.service.changes(user, kind, token);
    const responses: Out[] = [];
    for (const m of changes.members) {
      responses.push(m.deleted ? goneResponse(hrefs.member(user.id, kind, m.name)) : await respond(m));
    }
    return multistatus(responses, [el(ns.dav, 'sync-token', changes.token)]);
  }
  throw new DavError(403, `The ${body.name} report is not offered here.`, { precondition: 'supported-report' });
}

/** PROPPATCH: the collections' names and colours are fixed here, so every property is refused (403 in its propstat). */
export function proppatch(node: DavNode, user: DavPrincipal, body: XmlElement | undefined): string {
  if (!body || !is(body, ns.dav, 'propertyupdate'))
    throw new DavError(400, 'A PROPPATCH body is a DAV:propertyupdate element.');
  const names = body.children
    .filter((c) => is(c, ns.dav, 'set') || is(c, ns.dav, 'remove'))
    .flatMap((c) => child(c, ns.dav, 'prop')?.children ?? [])
    .map((p) => el(p.ns, p.name));
  return multistatus([
    el(ns.dav, 'response', [
      href(hrefOf(node, user)),
      el(ns.dav, 'propstat', [el(ns.dav, 'prop', names), el(ns.dav, 'status', statusLine(403))]),
    ]),
  ]);
}
