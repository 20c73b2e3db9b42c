import { deltaPage } from './delta.ts';
import type { Route } from './server.ts';
import type { StandInState } from './state.ts';

/** STAND-IN GET /me/contacts/delta. */
export function contactsRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/me\/contacts\/delta$/,
      handle: (context) => deltaPage(state, context, 'contacts', { path: '/me/contacts/delta' }),
    },
  ];
}
