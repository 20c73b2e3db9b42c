import type { Route } from './server.ts';
import { putSeries, utcDateTime } from './calendar.ts';
import { eventPayload } from './generator.ts';
import { setPresence } from './presence.ts';
import type { StandInState } from './state.ts';

/**
 * STAND-IN control for tests that run it as a process (web e2e): not part of Graph, served
 * at the login root under /_stand-in/, form-encoded. POST /_stand-in/revoke (revoked=true|
 * false: refresh tokens answer invalid_grant, as after a revoked consent); POST
 * /_stand-in/presence (mail, availability, activity); POST /_stand-in/series (mail, id, subject,
 * zone: a Windows name, time: HH:MM, dates: YYYY-MM-DD,…) puts a weekly one-hour series the
 * account organises, as Outlook holds it (putSeries): instances `<id>-0`, `<id>-1`, ….
 * POST /_stand-in/contact-writes (refused=true|false): contact creates, edits and deletions answer 403
 * ErrorAccessDenied (a token that may only read contacts), or are taken again.
 */
const weekdays = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

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
      pattern: /^\/_stand-in\/contact-writes$/,
      handle: ({ form }) => {
        state.refuseContactWrites = form.get('refused') === 'true';
        return { status: 200, json: { refused: state.refuseContactWrites } };
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
    {
      method: 'POST',
      pattern: /^\/_stand-in\/series$/,
      handle: ({ form }) => {
        const mail = (form.get('mail') ?? '').toLowerCase();
        const account = [...state.accounts.values()].find((a) => a.mail.toLowerCase() === mail);
        if (!account) return { status: 404, json: { error: 'no such account' } };
        const id = form.get('id') ?? '';
        const dates = (form.get('dates') ?? '').split(',').filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
        const time = form.get('time') ?? '';
        if (!/^[\w-]{1,100}$/.test(id) || dates.length === 0 || !/^\d{2}:\d{2}$/.test(time))
          return { status: 400, json: { error: 'id, dates and time (HH:MM) are required' } };
        const zone = form.get('zone') ?? 'UTC';
        const hour = Number(time.slice(0, 2));
        const at = (date: string, h: number) => ({
          dateTime: `${date}T${String(h).padStart(2, '0')}:${time.slice(3)}:00.0000000`,
          timeZone: zone,
        });
        const common = {
          subject: form.get('subject') ?? 'Series',
          organizer: { emailAddress: { name: account.displayName, address: account.mail } },
          responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
        };
        putSeries(
          account,
          eventPayload(900, {
            ...common,
            id,
            start: at(dates[0]!, hour),
            end: at(dates[0]!, hour + 1),
            recurrence: {
              pattern: {
                type: 'weekly',
                interval: 1,
                daysOfWeek: [weekdays[new Date(`${dates[0]}T00:00:00Z`).getUTCDay()]],
              },
              range: {
                type: 'numbered',
                startDate: dates[0],
                numberOfOccurrences: dates.length,
                recurrenceTimeZone: zone,
              },
            },
          }),
          dates.map((date, n) =>
            eventPayload(901 + n, {
              ...common,
              id: `${id}-${n}`,
              type: 'occurrence',
              // Graph gives every instance its original start (the event resource's originalStart).
              originalStart: `${(utcDateTime(at(date, hour).dateTime, zone) ?? `${date}T00:00:00`).slice(0, 19)}Z`,
              start: at(date, hour),
              end: at(date, hour + 1),
            }),
          ),
        );
        return { status: 200, json: { id, instances: dates.map((_, n) => `${id}-${n}`) } };
      },
    },
  ];
}
