import type { IncomingMessage } from 'node:http';
import type { RouteAnswer } from './server.ts';
import type { StandInAccount, StandInState } from './state.ts';

type Dispatch = (
  method: string,
  path: string,
  url: URL,
  headers: IncomingMessage['headers'],
  json: unknown,
  account: StandInAccount,
) => Promise<RouteAnswer>;

/**
 * STAND-IN POST /$batch (integrations.md §2.4): at most 20 requests, each answered with its
 * own status, headers and body; while `state.behaviour.throttle` lasts, parts answer 429
 * with Retry-After (mixed sub-statuses) while the batch itself is 200.
 */
export function batchRoute(state: StandInState, dispatch: Dispatch) {
  return async (json: unknown, account: StandInAccount, headers: IncomingMessage['headers']): Promise<RouteAnswer> => {
    state.counters.batch += 1;
    const requests = (json as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > 20)
      return { status: 400, json: { error: { code: 'BadRequest', message: 'A batch has 1 to 20 requests.' } } };
    const responses = [];
    for (const request of requests as { id?: unknown; method?: unknown; url?: unknown; body?: unknown }[]) {
      const id = String(request.id);
      if (state.behaviour.throttle.count > 0) {
        state.behaviour.throttle.count -= 1;
        state.counters.throttled += 1;
        responses.push({
          id,
          status: 429,
          headers: { 'Retry-After': String(state.behaviour.throttle.retryAfter) },
          body: { error: { code: 'ApplicationThrottled', message: 'Throttled.' } },
        });
        continue;
      }
      const url = new URL(
        `http://stand-in/v1.0${String(request.url).startsWith('/') ? '' : '/'}${String(request.url)}`,
      );
      const answer = await dispatch(
        String(request.method ?? 'GET'),
        url.pathname.slice('/v1.0'.length),
        url,
        headers,
        request.body,
        account,
      );
      responses.push({ id, status: answer.status, headers: answer.headers ?? {}, body: answer.json });
    }
    return { status: 200, json: { responses } };
  };
}
