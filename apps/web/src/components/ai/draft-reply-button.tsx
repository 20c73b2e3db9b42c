'use client';
import { LoaderCircle, Sparkles } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { draftReplyAction } from '@/lib/actions/ai';
import type { AiDone } from '@/lib/ai';

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
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<{ text: string; addModel: boolean }>();

  async function draft() {
    setPending(true);
    setProblem(undefined);
    const result = await draftReplyAction(threadId).catch(() => undefined);
    setPending(false);
    if (!result) return setProblem({ text: 'The hub could not be reached. Try again in a moment.', addModel: false });
    if (!result.ok) return setProblem({ text: result.error, addModel: false });
    const { draft: text, done } = result.data;
    if (!text)
      return setProblem({
        text: done.notice ?? 'The model wrote nothing. Try again.',
        addModel: done.route === 'none' || done.route === 'needs_local',
      });
    onDraft(text, draftedBy(done));
  }

  return (
    <>
      <Button type="button" variant="outline" size={size} disabled={pending} onClick={() => void draft()}>
        {pending ? <LoaderCircle className="animate-spin" aria-hidden /> : <Sparkles aria-hidden />}
        {pending ? 'Drafting…' : 'Draft a reply'}
      </Button>
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
