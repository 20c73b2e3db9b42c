import { deltaPage } from './delta.ts';
import type { Route } from './server.ts';
import { countedList, type StandInState } from './state.ts';

/**
 * STAND-IN GET /me/calendarView/delta?startDateTime&endDateTime: events whose start falls
 * in the window (the window is kept in the links, as Graph encodes it in its tokens).
 */
export function calendarRoutes(state: StandInState): Route[] {
  return [
    {
      // Its count only (the sync's progress estimate): the events held, whatever the window.
      method: 'GET',
      pattern: /^\/me\/calendarView$/,
      handle: ({ account, url }) => countedList(account, 'calendar', url),
    },
    {
      method: 'GET',
      pattern: /^\/me\/calendarView\/delta$/,
      handle: (context) => {
        const start = Date.parse(context.url.searchParams.get('startDateTime') ?? '');
        const end = Date.parse(context.url.searchParams.get('endDateTime') ?? '');
        if (
          !context.url.searchParams.get('$deltatoken') &&
          !context.url.searchParams.get('$skiptoken') &&
          (Number.isNaN(start) || Number.isNaN(end))
        )
          return {
            status: 400,
            json: { error: { code: 'ErrorInvalidParameter', message: 'startDateTime and endDateTime are required.' } },
          };
        return deltaPage(state, context, 'calendar', {
          path: '/me/calendarView/delta',
          filter: (body) => {
            const at = Date.parse(`${String((body.start as { dateTime?: string } | undefined)?.dateTime ?? '')}Z`);
            return Number.isNaN(start) || Number.isNaN(at) || (at >= start && at < end);
          },
        });
      },
    },
  ];
}
