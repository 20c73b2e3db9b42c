import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { NoteEditor } from '@/components/notes/note-editor';
import { Problem } from '@/components/problem';
import { Card, CardContent } from '@/components/ui/card';
import { getNote } from '@/lib/graph';
import { load } from '@/lib/hub';
import { getMentionedPeople } from '@/lib/timeline';

export const metadata: Metadata = { title: 'Note' };

export default async function NotePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [result, people] = await Promise.all([load(() => getNote(id)), load(() => getMentionedPeople(id))]);
  const mentioned = people.ok ? people.data : [];
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
          {mentioned.length > 0 && (
            <section aria-labelledby="mentioned-heading" className="flex flex-wrap items-center gap-2 text-sm">
              <h2 id="mentioned-heading" className="text-muted-foreground">
                Mentions
              </h2>
              <ul className="flex flex-wrap gap-2">
                {mentioned.map((person) => (
                  <li key={person.id}>
                    <Link
                      href={`/contacts/${person.id}`}
                      className="rounded-full border border-border px-2.5 py-0.5 font-medium text-primary underline-offset-4 hover:underline"
                    >
                      @{person.name}
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <Card>
            <CardContent className="pt-5">
              <NoteEditor
                key={`${result.data.id}:${result.data.version}:${mentioned.map((p) => p.name).join(',')}`}
                note={result.data}
                people={mentioned}
              />
            </CardContent>
          </Card>
        </>
      ) : (
        <Problem message={result.error} />
      )}
    </div>
  );
}
