import type { Route } from './server.ts';
import type { StandInState } from './state.ts';

/** STAND-IN GET /me: the signed-in user (User.Read). */
export function meRoutes(_state: StandInState): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/me$/,
      handle: ({ account }) => ({
        status: 200,
        json: {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
          id: account.id,
          displayName: account.displayName,
          mail: account.mail,
          userPrincipalName: account.mail,
        },
      }),
    },
  ];
}
