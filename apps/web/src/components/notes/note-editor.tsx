'use client';
import { Trash2 } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { NoteForm } from '@/components/notes/note-form';
import { usePendingDeletes } from '@/components/shell/pending-deletes';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { deleteNoteAction, updateNoteAction } from '@/lib/actions/notes';
import type { Note } from '@/lib/model';

export function NoteEditor({ note: initial, people }: { note: Note; people: { id: string; name: string }[] }) {
  const [note, setNote] = useState(initial);
  const router = useRouter();
  const toast = useToast();
  const { remove } = usePendingDeletes();
  return (
    <div className="grid gap-4">
      <NoteForm
        idPrefix="note"
        initial={note}
        people={people}
        submitLabel="Save note"
        onSubmit={async (title, body) => {
          const result = await updateNoteAction(note.id, note.version, title, body);
          if (!result.ok)
            return { error: result.error, ...(result.fieldErrors ? { fieldErrors: result.fieldErrors } : {}) };
          setNote(result.data);
          toast({ title: 'Note saved' });
          // The mentions list above comes from the note's links, which the save changed.
          router.refresh();
        }}
      />
      <div>
        <Button
          variant="outline"
          onClick={() => {
            remove({ id: note.id, label: note.title }, deleteNoteAction);
            router.push('/notes');
          }}
        >
          <Trash2 aria-hidden="true" /> Delete note
        </Button>
      </div>
    </div>
  );
}
