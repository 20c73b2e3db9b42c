import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RouteAnswer } from './server.ts';
import { collectionOf, put, type StandInAccount } from './state.ts';

/**
 * STAND-IN item versions for writes (test support): each write gives the item a new
 * changeKey (and @odata.etag W/"<changeKey>") and a new delta version, so the next delta
 * reports it; If-Match with an older one is refused with 412, as Exchange does.
 */
export const newChangeKey = () => `CK${randomBytes(9).toString('base64url')}`;

export type Body = Record<string, unknown> & { id: string };

export function stamp(body: Body): Body {
  const changeKey = newChangeKey();
  return { ...body, changeKey, '@odata.etag': `W/"${changeKey}"` };
}

/** Stores a new version of the item (delta reports it) and answers it. */
export function save(account: StandInAccount, resource: string, body: Body): Body {
  const stamped = stamp(body);
  put(account, resource, stamped);
  return stamped;
}

export function find(account: StandInAccount, resource: string, id: string): Body | undefined {
  const item = collectionOf(account, resource).items.get(id);
  return item && !item.removed ? (item.body as Body) : undefined;
}

export const notFound = (): RouteAnswer => ({
  status: 404,
  json: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } },
});

export const badRequest = (message: string): RouteAnswer => ({
  status: 400,
  json: { error: { code: 'ErrorInvalidRequest', message } },
});

/** If-Match given and not the item's version: 412 (ErrorIrresolvableConflict); absent: accepted. */
export function staleVersion(headers: IncomingMessage['headers'], body: Body): RouteAnswer | undefined {
  const given = headers['if-match'];
  if (given === undefined || given === '*') return undefined;
  const key = String(given).replace(/^W\//, '').replace(/^"|"$/g, '');
  if (key === body.changeKey) return undefined;
  return {
    status: 412,
    json: {
      error: {
        code: 'ErrorIrresolvableConflict',
        message:
          'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
      },
    },
  };
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

/**
 * An occurrence of a series changed (in Outlook or through PATCH) becomes an exception with
 * the same id and seriesMasterId (event resource: type "exception").
 */
export const changedInstanceType = (body: Record<string, unknown>) =>
  String(body.type).toLowerCase() === 'occurrence' ? { type: 'exception' } : {};

/** An edit made in Outlook itself (another device): a new version of the item (an occurrence becomes an exception). */
export function editRemotely(account: StandInAccount, resource: string, id: string, changes: Record<string, unknown>) {
  const body = find(account, resource, id);
  if (!body) throw new Error(`stand-in: no ${resource} item ${id}`);
  return save(account, resource, { ...body, ...changes, ...changedInstanceType(body), id });
}

/**
 * Exchange gives a series' occurrences the master's change key, by all accounts (Graph's docs
 * do not say), so a change to one occurrence moves the key of every other, their content as it
 * was. Not the stand-in's default (each instance its own key, as delta's @odata.etag allows):
 * tests call this to give the master and each of its live instances one new key.
 */
export function shareNewSeriesKey(account: StandInAccount, masterId: string): string {
  const changeKey = newChangeKey();
  const series = [...collectionOf(account, 'calendar').items.values()].filter(
    (item) => !item.removed && (item.body.id === masterId || item.body.seriesMasterId === masterId),
  );
  for (const { body } of series)
    put(account, 'calendar', { ...(body as Body), changeKey, '@odata.etag': `W/"${changeKey}"` });
  return changeKey;
}
