import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { NoteEditor } from '@/components/notes/note-editor';
import { Problem } from '@/components/problem';
import { Card, CardContent } from '@/components/ui/card';
import { getNote } from '@/lib/graph';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Note' };

export default async function NotePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const result = await load(() => getNote(id));
  return (
    <div className="mx-auto grid max-w-2xl gap-4">
      <Link
        href="/notes"
        className="flex w-fit items-center gap-1 rounded-md text-sm text-muted-foreground hover:text-foreground"
      >
        <ChevronLeft className="size-4" aria-hidden="true" /> All notes
      </Link>
      {result.ok ? (
        <>
          <h1 className="text-2xl font-semibold tracking-tight">{result.data.title}</h1>
          <Card>
            <CardContent className="pt-5">
              <NoteEditor key={`${result.data.id}:${result.data.version}`} note={result.data} />
            </CardContent>
          </Card>
        </>
      ) : (
        <Problem message={result.error} />
      )}
    </div>
  );
}
