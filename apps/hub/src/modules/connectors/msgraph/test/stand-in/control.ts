import type { Route } from './server.ts';
import { setPresence } from './presence.ts';
import type { StandInState } from './state.ts';

/**
 * STAND-IN control for tests that run it as a process (web e2e): not part of Graph, served
 * at the login root under /_stand-in/, form-encoded. POST /_stand-in/revoke (revoked=true|
 * false: refresh tokens answer invalid_grant, as after a revoked consent); POST
 * /_stand-in/presence (mail, availability, activity).
 */
export function controlRoutes(state: StandInState): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/_stand-in\/revoke$/,
      handle: ({ form }) => {
        state.behaviour.revoked = form.get('revoked') !== 'false';
        // Access tokens already issued stop working too, so the next Graph call must refresh.
        if (state.behaviour.revoked) state.accessTokens.clear();
        return { status: 200, json: { revoked: state.behaviour.revoked } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/_stand-in\/presence$/,
      handle: ({ form }) => {
        const mail = (form.get('mail') ?? '').toLowerCase();
        const account = [...state.accounts.values()].find((a) => a.mail.toLowerCase() === mail);
        if (!account) return { status: 404, json: { error: 'no such account' } };
        setPresence(state, account.id, form.get('availability') ?? 'Available', form.get('activity') ?? 'Available');
        return { status: 200, json: { ok: true } };
      },
    },
  ];
}
