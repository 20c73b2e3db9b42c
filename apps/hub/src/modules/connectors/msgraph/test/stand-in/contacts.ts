import { deltaPage } from './delta.ts';
import type { Route } from './server.ts';
import { countedList, type StandInState } from './state.ts';

/** STAND-IN GET /me/contacts/delta, and GET /me/contacts?$count=true (for its count). */
export function contactsRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/me\/contacts$/,
      handle: ({ account, url }) => countedList(account, 'contacts', url),
    },
    {
      method: 'GET',
      pattern: /^\/me\/contacts\/delta$/,
      handle: (context) => deltaPage(state, context, 'contacts', { path: '/me/contacts/delta' }),
    },
  ];
}
