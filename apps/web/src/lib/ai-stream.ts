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
