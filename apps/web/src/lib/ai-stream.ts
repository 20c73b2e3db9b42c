import { useCallback, useEffect, useRef, useState } from 'react';
import { readSseEvents, type AiStreamEvent } from '@/lib/ai';

const UNREACHABLE = 'The hub could not be reached. Try again in a moment.';

/**
 * POSTs to one of the web's AI stream routes (`app/api/ai/...`) and hands over each event as
 * it arrives. Resolves with the problem to show, if any: the hub's JSON error before the
 * stream, or the connection failing. A stop (`signal`) is no problem.
 */
export async function postForEvents(
  url: string,
  body: unknown,
  signal: AbortSignal,
  onEvent: (event: AiStreamEvent) => void,
): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok || !response.body) {
      const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      return answer.error?.message ?? `The hub answered ${response.status}.`;
    }
    await readSseEvents(response.body, onEvent);
    return undefined;
  } catch {
    return signal.aborted ? undefined : UNREACHABLE;
  }
}

/** Events that end a stream: its result, or the error that stopped it. */
const LAST_EVENTS = new Set<AiStreamEvent['event']>(['summary', 'draft', 'done', 'error']);

/**
 * One AI stream at a time that the person can stop: `run` posts and hands over the events, and
 * resolves with the problem to show (`postForEvents`'s, or a stream that ended before its last
 * event); `stop` aborts it, which is no problem. Leaving the page stops it too.
 */
export function useAiStream(what: string) {
  const controller = useRef<AbortController | null>(null);
  const [pending, setPending] = useState(false);
  useEffect(() => () => controller.current?.abort(), []);

  const run = useCallback(
    async (url: string, body: unknown, onEvent: (event: AiStreamEvent) => void): Promise<string | undefined> => {
      const ctrl = new AbortController();
      controller.current = ctrl;
      setPending(true);
      let ended = false;
      try {
        const problem = await postForEvents(url, body, ctrl.signal, (event) => {
          if (LAST_EVENTS.has(event.event)) ended = true;
          onEvent(event);
        });
        if (problem) return problem;
        return ended || ctrl.signal.aborted ? undefined : `The ${what} ended early. Try again.`;
      } finally {
        if (controller.current === ctrl) controller.current = null;
        setPending(false);
      }
    },
    [what],
  );
  const stop = useCallback(() => controller.current?.abort(), []);
  return { pending, run, stop };
}
