'use client';
import { Cloud, HardDrive, LoaderCircle, RefreshCw, Sparkles, Square } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { LocalTime } from '@/components/ui/local-time';
import { redactedWords, type AiDone, type AiSource } from '@/lib/ai';
import { useAiStream } from '@/lib/ai-stream';
import { CitedText } from './cited-text';

export interface SummaryState {
  summary: string | null;
  sources: AiSource[];
  done: AiDone;
  createdAt: string;
}

/**
 * "Summarise my history with this person": made by the hub's assistant from the person's
 * graph (recent messages, calls, events, notes) under the same privacy routing as Ask, kept
 * until their data changes. `stale`: there was one, and their data has changed since.
 */
export function ContactSummary({
  personId,
  name,
  initial,
  stale,
}: {
  personId: string;
  name: string;
  initial: SummaryState | null;
  stale: boolean;
}) {
  const [state, setState] = useState(initial);
  const [error, setError] = useState<string>();
  const [isStale, setStale] = useState(stale);
  /** A new summary as the model writes it (its sources first, then the text). */
  const [written, setWritten] = useState<{ sources: AiSource[]; text: string }>();
  const stream = useAiStream('summary');

  async function summarise(refresh: boolean) {
    setError(undefined);
    const problem = await stream.run(`/api/ai/people/${personId}/summary`, { refresh }, (event) => {
      if (event.event === 'sources') setWritten({ sources: event.sources, text: '' });
      else if (event.event === 'delta')
        setWritten((w) => ({ sources: w?.sources ?? [], text: (w?.text ?? '') + event.text }));
      else if (event.event === 'summary') {
        setState(event.summary);
        setStale(false);
      } else if (event.event === 'error') setError(event.message);
    });
    if (problem) setError(problem);
    setWritten(undefined);
  }

  const shown = written ? { summary: written.text, sources: written.sources } : state;
  return (
    <div className="grid gap-3" aria-busy={stream.pending}>
      {shown?.summary ? (
        <CitedText text={shown.summary} sources={shown.sources} />
      ) : state?.done.notice ? (
        <p className="text-sm text-muted-foreground">
          {state.done.notice}{' '}
          <Link href="/settings/credentials" className="font-medium text-foreground underline underline-offset-2">
            Add a model
          </Link>
        </p>
      ) : (
        <p className="text-sm text-muted-foreground">
          {isStale
            ? `Something about ${name} changed since the last summary.`
            : `A short summary of your messages, calls, events and notes with ${name}.`}
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      <div className="flex flex-wrap items-center justify-between gap-2">
        {!written && state?.summary ? <MadeBy done={state.done} at={state.createdAt} /> : <span />}
        <div className="flex flex-wrap items-center gap-2">
          {stream.pending && (
            <Button type="button" variant="ghost" size="sm" onClick={() => stream.stop()}>
              <Square aria-hidden /> Stop
            </Button>
          )}
          <Button
            type="button"
            variant={state?.summary ? 'ghost' : 'outline'}
            size="sm"
            disabled={stream.pending}
            onClick={() => void summarise(Boolean(state?.summary))}
            // The label holds the person's name, which can be longer than a phone is wide: wrap it.
            className="h-auto min-h-9 max-w-full shrink py-1.5 whitespace-normal text-left"
          >
            {stream.pending ? (
              <LoaderCircle className="animate-spin" aria-hidden />
            ) : state?.summary ? (
              <RefreshCw aria-hidden />
            ) : (
              <Sparkles aria-hidden />
            )}
            {stream.pending ? 'Summarising…' : state?.summary ? 'Summarise again' : `Summarise my history with ${name}`}
          </Button>
        </div>
      </div>
    </div>
  );
}

function MadeBy({ done, at }: { done: AiDone; at: string }) {
  const redacted = redactedWords(done.redacted);
  return (
    <p className="flex items-center gap-1 text-xs text-muted-foreground">
      {done.locality === 'local' ? (
        <HardDrive className="size-3" aria-hidden />
      ) : (
        <Cloud className="size-3" aria-hidden />
      )}
      {done.locality === 'local' ? 'Local' : 'Cloud'} · {done.model}
      {done.locality === 'cloud' && redacted ? ` · ${redacted} replaced before sending` : ''} · <LocalTime iso={at} />
    </p>
  );
}
