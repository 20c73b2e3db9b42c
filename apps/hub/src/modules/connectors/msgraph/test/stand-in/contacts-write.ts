import { randomBytes } from 'node:crypto';
import type { Route, RouteAnswer } from './server.ts';
import { remove, type StandInState } from './state.ts';
import { badRequest, find, isObject, notFound, save, staleVersion } from './versions.ts';

const writable = [
  'givenName',
  'surname',
  'middleName',
  'displayName',
  'nickName',
  'emailAddresses',
  'businessPhones',
  'homePhones',
  'mobilePhone',
  'companyName',
  'jobTitle',
  'department',
  'birthday',
  'personalNotes',
];

function check(json: Record<string, unknown>) {
  if (json.emailAddresses !== undefined) {
    if (!Array.isArray(json.emailAddresses) || json.emailAddresses.length > 3)
      return badRequest('emailAddresses holds at most 3 addresses.');
    if (!json.emailAddresses.every((e) => isObject(e) && typeof e.address === 'string'))
      return badRequest('Each email address needs an address.');
  }
  for (const field of ['businessPhones', 'homePhones'])
    if (json[field] !== undefined && !(Array.isArray(json[field]) && json[field].every((p) => typeof p === 'string')))
      return badRequest(`${field} must be a list of strings.`);
  if (json.birthday !== undefined && json.birthday !== null && Number.isNaN(Date.parse(String(json.birthday))))
    return badRequest('birthday must be a date-time.');
  return undefined;
}

/**
 * STAND-IN contact writes (Graph v1.0 contact resource): GET /me/contacts/{id}, POST
 * /me/contacts, PATCH and DELETE /me/contacts/{id} honouring If-Match (412 when stale;
 * contact-delete.md: 204 No Content, 404 ErrorItemNotFound for a contact not there). Each
 * write is a new version with a new changeKey that the next contacts delta reports; a
 * deletion is reported as @removed. DELETEs are logged in `state.contactDeletes`, and
 * `state.failContactDeletes` makes the next ones answer 503 (an outage);
 * `state.refuseContactWrites` makes POST, PATCH and DELETE answer 403, as for a token that may only read.
 */
/** Graph's answer to a write the token's scopes do not allow. */
const accessDenied = () => ({
  status: 403,
  json: { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } },
});

export function contactsWriteRoutes(state: StandInState): Route[] {
  const pick = (input: Record<string, unknown>) =>
    Object.fromEntries(writable.filter((k) => input[k] !== undefined).map((k) => [k, input[k]]));
  return [
    {
      method: 'GET',
      pattern: /^\/me\/contacts\/([^/]+)$/,
      handle: ({ account, match }) => {
        const contact = find(account, 'contacts', decodeURIComponent(match[1]!));
        return contact ? { status: 200, json: contact } : notFound();
      },
    },
    {
      method: 'POST',
      pattern: /^\/me\/contacts$/,
      handle: async ({ account, json }) => {
        if (state.refuseContactWrites) return accessDenied();
        const input = isObject(json) ? json : {};
        const invalid = check(input);
        if (invalid) return invalid;
        const contact = {
          id: `AAMkAD-con-new-${randomBytes(8).toString('hex')}`,
          emailAddresses: [],
          businessPhones: [],
          homePhones: [],
          mobilePhone: null,
          ...pick(input),
        };
        const saved = save(account, 'contacts', contact);
        await state.afterContactCreate?.(saved.id);
        return { status: 201, json: saved };
      },
    },
    {
      method: 'PATCH',
      pattern: /^\/me\/contacts\/([^/]+)$/,
      handle: async ({ account, match, json, headers }) => {
        const instead = await state.beforeContactPatch?.(decodeURIComponent(match[1]!));
        if (instead) return instead;
        if (state.refuseContactWrites) return accessDenied();
        const contact = find(account, 'contacts', decodeURIComponent(match[1]!));
        if (!contact) return notFound();
        const stale = staleVersion(headers, contact);
        if (stale) return stale;
        const input = isObject(json) ? json : {};
        const invalid = check(input);
        if (invalid) return invalid;
        const saved = save(account, 'contacts', { ...contact, ...pick(input) });
        await state.afterContactPatch?.(contact.id);
        return { status: 200, json: saved };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/me\/contacts\/([^/]+)$/,
      handle: ({ account, match, headers }) => {
        const id = decodeURIComponent(match[1]!);
        const answer = (): RouteAnswer => {
          if (state.failContactDeletes > 0) {
            state.failContactDeletes -= 1;
            return {
              status: 503,
              headers: { 'retry-after': '0' },
              json: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' } },
            };
          }
          if (state.refuseContactWrites) return accessDenied();
          const contact = find(account, 'contacts', id);
          if (!contact) return notFound();
          const stale = staleVersion(headers, contact);
          if (stale) return stale;
          remove(account, 'contacts', id);
          return { status: 204 };
        };
        const answered = answer();
        state.contactDeletes.push({ id, ifMatch: headers['if-match'], status: answered.status });
        return answered;
      },
    },
  ];
}
