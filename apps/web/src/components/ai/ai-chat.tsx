'use client';
import { Cloud, HardDrive, LoaderCircle, RotateCcw, Send, ShieldAlert, Square } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/input';
import { entityHref, readSseEvents, redactedWords, toolWords, type AiDone, type AiTurn } from '@/lib/ai';
import { CitedText } from './cited-text';
import { SendProposal } from './send-proposal';

type Turn = AiTurn;

/**
 * Streaming chat over your own data: numbered citations that open the entity, a privacy note
 * per answer, stop and retry. Every answer is stored in a conversation on the hub; a follow-up
 * continues it (the hub gives the model the earlier turns).
 */
export function AiChat({ conversationId, initialTurns = [] }: { conversationId?: string; initialTurns?: Turn[] }) {
  const router = useRouter();
  const [turns, setTurns] = useState<Turn[]>(initialTurns);
  const [question, setQuestion] = useState('');
  const controller = useRef<AbortController | null>(null);
  const nextId = useRef(initialTurns.length + 1);
  const conversation = useRef(conversationId);
  const streaming = turns.some((t) => t.status === 'streaming');

  // The page names the open conversation (?c=). One this chat started itself gets that address
  // while its first answer is still being stored, so a refresh then must not replace the turns
  // on screen with what the hub has so far; only opening another conversation (or a new one) does.
  useEffect(() => {
    if (conversationId === conversation.current) return;
    controller.current?.abort();
    conversation.current = conversationId;
    nextId.current = Math.max(nextId.current, initialTurns.length + 1);
    setTurns(initialTurns);
  }, [conversationId, initialTurns]);

  const update = (id: number, change: (turn: Turn) => Partial<Turn>) =>
    setTurns((all) => all.map((t) => (t.id === id ? { ...t, ...change(t) } : t)));

  async function ask(text: string) {
    const id = nextId.current++;
    setTurns((all) => [...all, { id, question: text, sources: [], tools: [], answer: '', status: 'streaming' }]);
    const ctrl = new AbortController();
    controller.current = ctrl;
    try {
      const response = await fetch('/api/ai/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          question: text,
          ...(conversation.current ? { conversationId: conversation.current } : {}),
        }),
        signal: ctrl.signal,
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
        return update(id, () => ({
          status: 'error',
          error: body.error?.message ?? `The hub answered ${response.status}.`,
        }));
      }
      await readSseEvents(response.body, (event) => {
        if (event.event === 'conversation') {
          // A new conversation gets its address (reload or share keeps it) without reloading the page.
          if (!conversation.current) window.history.replaceState(null, '', `/ai?c=${event.id}`);
          conversation.current = event.id;
        } else if (event.event === 'source') update(id, (t) => ({ sources: [...t.sources, event.source] }));
        else if (event.event === 'tool') update(id, (t) => ({ tools: [...t.tools, event.tool] }));
        else if (event.event === 'sources') update(id, () => ({ sources: event.sources }));
        else if (event.event === 'delta') update(id, (t) => ({ answer: t.answer + event.text }));
        else if (event.event === 'done') update(id, () => ({ status: 'done', done: event.done }));
        else if (event.event === 'error') update(id, () => ({ status: 'error', error: event.message }));
      });
      update(id, (t) =>
        t.status === 'streaming' ? { status: 'error', error: 'The answer ended early. Try again.' } : {},
      );
    } catch (error) {
      if (ctrl.signal.aborted) update(id, () => ({ status: 'stopped' }));
      else update(id, () => ({ status: 'error', error: 'The hub could not be reached. Try again in a moment.' }));
      void error;
    } finally {
      if (controller.current === ctrl) controller.current = null;
      // The list of conversations shows this one (new, or most recent now).
      router.refresh();
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const text = question.trim();
    if (!text || streaming) return;
    setQuestion('');
    void ask(text);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      e.currentTarget.form?.requestSubmit();
    }
  }

  return (
    <div className="grid gap-6">
      {turns.length > 0 && (
        <ol className="grid gap-6" aria-label="Conversation">
          {turns.map((turn) => (
            <li key={turn.id} className="grid gap-3">
              <p className="justify-self-end rounded-lg bg-muted px-3 py-2 text-sm">{turn.question}</p>
              <Answer turn={turn} onRetry={() => void ask(turn.question)} canRetry={!streaming} />
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={submit} className="grid gap-2" aria-label="Ask">
        <Label htmlFor="ai-question">Ask about your messages, notes, calls and contacts</Label>
        <Textarea
          id="ai-question"
          value={question}
          onChange={(e) => setQuestion(e.target.value)}
          onKeyDown={onKeyDown}
          maxLength={2000}
          rows={2}
          className="min-h-16"
          placeholder="When did Ada say the boat would be ready?"
          aria-describedby="ai-question-hint"
        />
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p id="ai-question-hint" className="text-xs text-muted-foreground">
            Sensitive sources (messages, calls, places, personal data) are only read by a local model.{' '}
            <Link href="/settings/ai" className="underline underline-offset-2">
              Privacy settings
            </Link>
          </p>
          {streaming ? (
            <Button type="button" variant="outline" className="ml-auto" onClick={() => controller.current?.abort()}>
              <Square aria-hidden /> Stop
            </Button>
          ) : (
            <Button type="submit" className="ml-auto" disabled={!question.trim()}>
              <Send aria-hidden /> Ask
            </Button>
          )}
        </div>
      </form>
    </div>
  );
}

function Answer({ turn, onRetry, canRetry }: { turn: Turn; onRetry: () => void; canRetry: boolean }) {
  return (
    <article
      className="grid gap-3 rounded-lg border border-border p-4"
      aria-label={`Answer to: ${turn.question}`}
      aria-busy={turn.status === 'streaming'}
    >
      {turn.tools.length > 0 && (
        <ul className="grid gap-0.5 text-xs text-muted-foreground" aria-label="What the assistant did">
          {turn.tools.map((tool, i) => (
            <li key={i}>
              {toolWords(tool, (id) => turn.sources.find((s) => s.entityId === id)?.title)}
              {tool.outcome === 'denied' && (
                <>
                  {' '}
                  (
                  <Link href="/settings/grants" className="underline underline-offset-2">
                    allow the assistant
                  </Link>
                  )
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {turn.answer && <CitedText text={turn.answer} sources={turn.sources} />}
      {turn.status === 'streaming' && !turn.answer && (
        <p className="flex items-center gap-2 text-sm text-muted-foreground" role="status">
          <LoaderCircle className="size-4 animate-spin" aria-hidden /> Looking through your data…
        </p>
      )}
      {turn.done?.notice && (
        <p className="text-sm text-muted-foreground">
          {turn.done.notice}{' '}
          {(turn.done.route === 'none' || turn.done.route === 'needs_local') && (
            <Link href="/settings/credentials" className="font-medium text-foreground underline underline-offset-2">
              Add a model
            </Link>
          )}
        </p>
      )}
      {turn.status === 'error' && (
        <p role="alert" className="text-sm text-destructive">
          {turn.error}
        </p>
      )}
      {turn.status === 'stopped' && <p className="text-sm text-muted-foreground">Stopped.</p>}
      {turn.tools.map((tool, i) => (tool.proposal ? <SendProposal key={i} proposal={tool.proposal} /> : null))}
      {turn.sources.length > 0 && (
        <div>
          <h3 className="mb-1 text-xs font-medium text-muted-foreground">Sources</h3>
          <ol className="grid gap-1 text-sm">
            {turn.sources.map((s) => (
              <li key={s.number} className="flex items-baseline gap-2">
                <span className="w-5 shrink-0 text-right text-xs text-muted-foreground">{s.number}.</span>
                <Link href={entityHref(s)} className="min-w-0 truncate underline-offset-2 hover:underline">
                  {s.title || 'Untitled'}
                </Link>
                <span className="shrink-0 text-xs text-muted-foreground">
                  {s.type.replace('_', ' ')}
                  {s.sensitive ? ' · sensitive' : ''}
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}
      <div className="flex flex-wrap items-center justify-between gap-2">
        {turn.done ? <Privacy done={turn.done} /> : <span />}
        {turn.status !== 'streaming' && (
          <Button type="button" variant="ghost" size="sm" onClick={onRetry} disabled={!canRetry}>
            <RotateCcw aria-hidden /> Retry
          </Button>
        )}
      </div>
    </article>
  );
}

/** Where the answer was made and what left the machine. */
function Privacy({ done }: { done: AiDone }) {
  const redacted = redactedWords(done.redacted);
  if (done.handoff)
    return (
      <Badge
        title={`${done.handoff.fromModel} (cloud) began the answer; the data it asked for is sensitive, so ${done.model} on your own machine read it and answered.`}
      >
        <HardDrive className="mr-1 size-3" aria-hidden /> Cloud · {done.handoff.fromModel}, then local · {done.model} ·
        the sensitive data stayed on your machine
      </Badge>
    );
  if (done.locality === 'local')
    return (
      <Badge title="Answered on your own machine: nothing left it.">
        <HardDrive className="mr-1 size-3" aria-hidden /> Local · {done.model} · nothing left your machine
      </Badge>
    );
  if (done.locality === 'cloud')
    return (
      <Badge title="Answered by a cloud model through OpenRouter (providers that keep no data).">
        <Cloud className="mr-1 size-3" aria-hidden /> Cloud · {done.model} ·{' '}
        {redacted ? `${redacted} replaced before sending` : 'no personal data found to redact'}
      </Badge>
    );
  return (
    <Badge>
      <ShieldAlert className="mr-1 size-3" aria-hidden /> No model was asked
    </Badge>
  );
}
