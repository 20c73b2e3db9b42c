import type { Metadata } from 'next';
import { NotesBoard } from '@/components/notes/notes-board';
import { PageHeader } from '@/components/page-header';
import { NOTES_HEADER } from '@/components/page-headers';
import { Problem } from '@/components/problem';
import { listNotes } from '@/lib/graph';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Notes' };

export default async function NotesPage() {
  const result = await load(listNotes);
  return (
    <>
      <PageHeader {...NOTES_HEADER} />
      {result.ok ? <NotesBoard notes={result.data.notes} /> : <Problem message={result.error} />}
    </>
  );
}
