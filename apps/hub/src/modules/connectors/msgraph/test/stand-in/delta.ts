import type { RouteAnswer, RouteContext } from './server.ts';
import { collectionOf, type StandInState } from './state.ts';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function decode<T>(value: string | null): T | undefined {
  if (!value) return undefined;
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

const listCache = new Map<string, { version: number; removed: boolean; body: Record<string, unknown> }[]>();

const typeOf = (resource: string) =>
  resource === 'calendar'
    ? '#microsoft.graph.event'
    : resource === 'contacts'
      ? '#microsoft.graph.contact'
      : '#microsoft.graph.message';

interface Skip {
  since: number;
  upto: number;
  offset: number;
  /** Replay: the id of the last item of the previous page. */
  last?: string;
}

/**
 * STAND-IN delta paging (integrations.md §2.2) over one collection: the first request lists
 * live items; nextLink ($skiptoken) pages by Prefer odata.maxpagesize; the last page has a
 * deltaLink ($deltatoken) that later reports changes and `@removed` tombstones. An old token
 * (before minVersion) answers 410 Gone with Location = the initial query.
 */
export function deltaPage(
  state: StandInState,
  context: RouteContext,
  resource: string,
  options: {
    path: string;
    filter?: (body: Record<string, unknown>) => boolean;
    /** Items this view never lists, not even as @removed (a calendar view's series masters). */
    omit?: (body: Record<string, unknown>) => boolean;
    project?: (body: Record<string, unknown>) => Record<string, unknown>;
  },
): RouteAnswer {
  const { account, url, headers } = context;
  const params = new URLSearchParams(url.search);
  const deltaToken = params.get('$deltatoken');
  const skip = decode<Skip>(params.get('$skiptoken'));
  params.delete('$deltatoken');
  params.delete('$skiptoken');
  const initial = `${context.graphBase}${options.path}${params.size > 0 ? `?${params.toString()}` : ''}`;
  const link = (name: '$skiptoken' | '$deltatoken', value: string) => {
    const next = new URLSearchParams(params);
    next.set(name, value);
    return `${context.graphBase}${options.path}?${next.toString()}`;
  };

  let since = 0;
  if (deltaToken !== null) {
    const token = decode<{ r: string; v: number }>(deltaToken);
    if (!token || token.r !== resource)
      return { status: 400, json: { error: { code: 'BadRequest', message: 'The delta token is not valid.' } } };
    if (state.behaviour.syncStateNotFound > 0) {
      state.behaviour.syncStateNotFound -= 1;
      return {
        status: 400,
        json: { error: { code: 'syncStateNotFound', message: 'The sync state generation is not found.' } },
      };
    }
    if (token.v < account.minVersion)
      return {
        status: 410,
        headers: { location: initial },
        json: { error: { code: 'resyncRequired', message: 'Resync required.' } },
      };
    since = token.v;
  }
  if (skip && skip.upto < account.minVersion)
    return {
      status: 410,
      headers: { location: initial },
      json: { error: { code: 'resyncRequired', message: 'Resync required.' } },
    };
  const window = skip ?? { since, upto: account.version, offset: 0 };
  const prefer = /odata\.maxpagesize=(\d+)/.exec(String(headers.prefer ?? ''));
  const size = Math.max(
    1,
    Math.min(prefer ? Number(prefer[1]) : state.behaviour.pageSize, state.behaviour.maxPageSize),
  );
  const collection = collectionOf(account, resource);
  // The round's list, kept while nothing changes (large accounts page without re-sorting).
  const cacheKey = `${account.id}|${resource}|${window.since}|${window.upto}|${account.version}|${url.searchParams.get('startDateTime') ?? ''}`;
  let changed = listCache.get(cacheKey);
  if (!changed) {
    changed = [...collection.items.values()]
      .filter((item) => item.version > window.since && item.version <= window.upto)
      .filter((item) => (window.since === 0 ? !item.removed : true))
      .filter((item) => !options.omit?.(item.body))
      .filter((item) => item.removed || !options.filter || options.filter(item.body))
      .sort((a, b) => a.version - b.version);
    if (listCache.size > 20) listCache.clear();
    listCache.set(cacheKey, changed);
  }
  const page = changed.slice(window.offset, window.offset + size);
  const value: Record<string, unknown>[] = page.map((item) =>
    item.removed
      ? { '@odata.type': typeOf(resource), id: item.body.id, '@removed': { reason: 'deleted' } }
      : (options.project ?? ((b) => b))(item.body),
  );
  if (state.behaviour.replay && skip?.last) {
    const again = collection.items.get(skip.last);
    if (again && !again.removed) value.unshift((options.project ?? ((b) => b))(again.body));
  }
  const body: Record<string, unknown> = { '@odata.context': `${context.graphBase}/$metadata`, value };
  if (window.offset + size < changed.length)
    body['@odata.nextLink'] = link(
      '$skiptoken',
      encode({ ...window, offset: window.offset + size, last: page.at(-1)?.body.id as string | undefined }),
    );
  else body['@odata.deltaLink'] = link('$deltatoken', encode({ r: resource, v: window.upto }));
  return { status: 200, json: body };
}
