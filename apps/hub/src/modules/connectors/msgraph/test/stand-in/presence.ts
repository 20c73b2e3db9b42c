import type { Route, RouteAnswer } from './server.ts';
import type { StandInAccount, StandInState } from './state.ts';

/**
 * STAND-IN Teams presence and the directory (test support), from the documented payloads
 * (api-reference/v1.0/resources/presence.md, cloudcommunications-getpresencesbyuserid.md,
 * user-list.md; integrations.md §2.5): GET /me/presence, POST
 * /communications/getPresencesByUserId, GET /users?$filter=mail eq '…' (the accounts of
 * the caller's own domain are its tenant). Tests set presence with `setPresence`.
 */
export interface PresenceState {
  /** accountId → presence (default Offline / Offline). */
  presence: Map<string, { availability: string; activity: string }>;
  /** Accounts that may not read others' presence (no Presence.Read.All): 403. */
  presenceForbidden: Set<string>;
  /** Accounts hidden from others' directory lookups: 403 for them. */
  hidden: Set<string>;
  counters: { me: number; bulk: number; lookups: number };
}

const states = new WeakMap<StandInState, PresenceState>();

export function presenceStateOf(state: StandInState): PresenceState {
  let found = states.get(state);
  if (!found) {
    found = {
      presence: new Map(),
      presenceForbidden: new Set(),
      hidden: new Set(),
      counters: { me: 0, bulk: 0, lookups: 0 },
    };
    states.set(state, found);
  }
  return found;
}

export function setPresence(state: StandInState, accountId: string, availability: string, activity: string) {
  presenceStateOf(state).presence.set(accountId, { availability, activity });
}

const domainOf = (mail: string) => mail.slice(mail.lastIndexOf('@') + 1).toLowerCase();

function presenceJson(state: PresenceState, id: string) {
  const presence = state.presence.get(id) ?? { availability: 'Offline', activity: 'Offline' };
  return {
    '@odata.context': "https://graph.microsoft.com/v1.0/$metadata#users('id')/presence/$entity",
    id,
    ...presence,
    statusMessage: null,
  };
}

const forbidden: RouteAnswer = {
  status: 403,
  json: { error: { code: 'Forbidden', message: 'Insufficient privileges to complete the operation.' } },
};

/** `mail eq 'a@b'` (quotes doubled inside), the only filter the hub sends. */
function mailFilter(filter: string | null): string | undefined {
  const match = filter ? /^mail eq '((?:[^']|'')*)'$/.exec(filter.trim()) : null;
  return match ? match[1]!.replace(/''/g, "'").toLowerCase() : undefined;
}

export function presenceRoutes(state: StandInState): Route[] {
  const presence = presenceStateOf(state);
  const colleagueOf = (caller: StandInAccount, id: string) => {
    const other = state.accounts.get(id);
    return other && domainOf(other.mail) === domainOf(caller.mail) ? other : undefined;
  };
  return [
    {
      method: 'GET',
      pattern: /^\/me\/presence$/,
      handle: ({ account }) => {
        presence.counters.me += 1;
        return { status: 200, json: presenceJson(presence, account.id) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/communications\/getPresencesByUserId$/,
      handle: ({ json, account }) => {
        presence.counters.bulk += 1;
        if (presence.presenceForbidden.has(account.id)) return forbidden;
        const ids = (json as { ids?: unknown } | undefined)?.ids;
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 650 || ids.some((id) => typeof id !== 'string'))
          return { status: 400, json: { error: { code: 'BadRequest', message: 'ids: 1 to 650 user ids.' } } };
        const value = (ids as string[])
          .filter((id) => colleagueOf(account, id))
          .map((id) => {
            const { '@odata.context': _context, ...rest } = presenceJson(presence, id);
            return rest;
          });
        return {
          status: 200,
          json: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.presence)',
            value,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: /^\/users$/,
      handle: ({ url, account }) => {
        presence.counters.lookups += 1;
        const mail = mailFilter(url.searchParams.get('$filter'));
        if (!mail)
          return {
            status: 400,
            json: { error: { code: 'Request_UnsupportedQuery', message: 'Unsupported query.' } },
          };
        const found = [...state.accounts.values()].find(
          (a) => a.mail.toLowerCase() === mail && domainOf(a.mail) === domainOf(account.mail),
        );
        if (found && presence.hidden.has(found.id)) return forbidden;
        return {
          status: 200,
          json: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users(id,mail)',
            value: found ? [{ id: found.id, mail: found.mail }] : [],
          },
        };
      },
    },
  ];
}
