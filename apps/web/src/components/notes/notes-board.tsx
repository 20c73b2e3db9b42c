'use client';
import { NotebookPen } from 'lucide-react';
import Link from 'next/link';
import { useOptimistic, useTransition } from 'react';
import { NoteForm } from '@/components/notes/note-form';
import { usePendingDeletes } from '@/components/shell/pending-deletes';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { useToast } from '@/components/ui/toast';
import { createNoteAction } from '@/lib/actions/notes';
import type { Note } from '@/lib/model';
import { LocalTime } from '@/components/ui/local-time';
import { plainMentions } from '@/lib/mentions';

export function NotesBoard({ notes }: { notes: Note[] }) {
  const [optimistic, addOptimistic] = useOptimistic(notes, (list: Note[], note: Note) => [note, ...list]);
  const [, startTransition] = useTransition();
  const toast = useToast();
  const { hidden } = usePendingDeletes();
  const visible = optimistic.filter((n) => !hidden.has(n.id));

  return (
    <div className="grid gap-6 lg:grid-cols-[22rem_1fr]">
      <Card className="h-fit">
        <CardHeader>
          <CardTitle>New note</CardTitle>
        </CardHeader>
        <CardContent>
          <NoteForm
            idPrefix="new-note"
            submitLabel="Add note"
            onSubmit={(title, body) =>
              new Promise((resolve) => {
                startTransition(async () => {
                  // Shown at once; React drops it again if the hub refuses (rollback).
                  addOptimistic({
                    id: `pending-${Date.now()}`,
                    title,
                    body,
                    version: 0,
                    updatedAt: new Date().toISOString(),
                  });
                  const result = await createNoteAction(title, body);
                  if (!result.ok) {
                    toast({ title: 'Note not saved', description: result.error, tone: 'error' });
                    resolve({
                      error: result.error,
                      ...(result.fieldErrors ? { fieldErrors: result.fieldErrors } : {}),
                    });
                  } else resolve();
                });
              })
            }
          />
        </CardContent>
      </Card>
      <section aria-labelledby="notes-heading">
        <h2 id="notes-heading" className="sr-only">
          Your notes
        </h2>
        {visible.length === 0 ? (
          <div className="rounded-lg border border-dashed border-border p-8 text-center">
            <NotebookPen className="mx-auto size-10 text-muted-foreground" aria-hidden="true" />
            <p className="mt-3 font-medium">No notes yet</p>
            <p className="mt-1 text-sm text-muted-foreground">
              Write down anything you want to find again: ideas, meeting notes, things to remember. Notes are searchable
              with Ctrl K.
            </p>
          </div>
        ) : (
          <ul className="grid gap-3">
            {visible.map((n) => {
              const pending = n.id.startsWith('pending-');
              return (
                <li key={n.id} aria-busy={pending}>
                  <Card className={pending ? 'opacity-60' : undefined}>
                    <CardContent className="pt-5">
                      {pending ? (
                        <p className="font-medium">{n.title}</p>
                      ) : (
                        <Link
                          href={`/notes/${n.id}`}
                          className="font-medium text-primary underline-offset-4 hover:underline"
                        >
                          {n.title}
                        </Link>
                      )}
                      <p className="text-xs text-muted-foreground">
                        {pending ? 'Saving…' : <LocalTime iso={n.updatedAt} />}
                      </p>
                      {n.body && (
                        <p className="mt-2 line-clamp-3 whitespace-pre-wrap text-sm text-muted-foreground">
                          {plainMentions(n.body)}
                        </p>
                      )}
                    </CardContent>
                  </Card>
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
