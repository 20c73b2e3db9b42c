'use client';
import { LoaderCircle, Sparkles, Square } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import type { AiDone } from '@/lib/ai';
import { useAiStream } from '@/lib/ai-stream';

/** Where a draft was written, in a few words (nothing is said to leave the machine that did not). */
export function draftedBy(done: AiDone): string {
  if (done.locality === 'local') return `Drafted on your machine by ${done.model}. Check it before you send.`;
  if (done.locality === 'cloud') return `Drafted by ${done.model} (cloud). Check it before you send.`;
  return '';
}

/**
 * "Draft a reply": asks the hub's assistant for a reply to this thread and hands the text to
 * the composer, where the user edits and sends it as any reply. Nothing is sent from here.
 */
export function DraftReplyButton({
  threadId,
  onDraft,
  size = 'default',
}: {
  threadId: string;
  onDraft: (text: string, note: string) => void;
  size?: 'default' | 'sm';
}) {
  const [problem, setProblem] = useState<{ text: string; addModel: boolean }>();
  /** The reply as the model writes it; the composer gets it whole at the end. */
  const [written, setWritten] = useState('');
  const stream = useAiStream('draft');

  async function draft() {
    setProblem(undefined);
    setWritten('');
    const failed = await stream.run('/api/ai/drafts', { threadId }, (event) => {
      if (event.event === 'delta') setWritten((text) => text + event.text);
      else if (event.event === 'error') setProblem({ text: event.message, addModel: false });
      else if (event.event === 'draft') {
        const { draft: text, done } = event.draft;
        if (text) onDraft(text, draftedBy(done));
        else
          setProblem({
            text: done.notice ?? 'The model wrote nothing. Try again.',
            addModel: done.route === 'none' || done.route === 'needs_local',
          });
      }
    });
    if (failed) setProblem({ text: failed, addModel: false });
    setWritten('');
  }

  return (
    <>
      <Button type="button" variant="outline" size={size} disabled={stream.pending} onClick={() => void draft()}>
        {stream.pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Sparkles aria-hidden />}
        {stream.pending ? 'Drafting…' : 'Draft a reply'}
      </Button>
      {stream.pending && (
        <Button type="button" variant="ghost" size={size} onClick={() => stream.stop()}>
          <Square aria-hidden /> Stop
        </Button>
      )}
      {written && (
        // The composer gets the text once it is whole; meanwhile it shows here as it is written.
        <p
          aria-label="Draft being written"
          className="basis-full rounded-md border border-dashed border-border p-2 text-sm whitespace-pre-wrap text-muted-foreground"
        >
          {written}
        </p>
      )}
      {problem && (
        <p role="alert" className="basis-full text-sm text-muted-foreground">
          {problem.text}{' '}
          {problem.addModel && (
            <Link href="/settings/credentials" className="font-medium text-foreground underline underline-offset-2">
              Add a model
            </Link>
          )}
        </p>
      )}
    </>
  );
}
