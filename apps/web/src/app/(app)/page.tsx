import { NotebookPen, UserPlus } from 'lucide-react';
import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Link from 'next/link';
import { OccasionList } from '@/components/home/occasion-list';
import { RecentActivity } from '@/components/home/recent-activity';
import { SuggestedMerges } from '@/components/home/suggested-merges';
import { TaskList } from '@/components/home/task-list';
import { TimeZoneCookie, TZ_COOKIE } from '@/components/home/time-zone-cookie';
import { PageHeader } from '@/components/page-header';
import { HOME_HEADER } from '@/components/page-headers';
import { Problem } from '@/components/problem';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { load } from '@/lib/hub';
import { listSuggestions } from '@/lib/identity';
import { getToday } from '@/lib/timeline';

export const metadata: Metadata = { title: 'Today' };

const zonePattern = /^[A-Za-z0-9_+\-/]{1,64}$/;

/** The home page: what needs attention today. The contact list is at /contacts. */
export default async function Home() {
  const stored = (await cookies()).get(TZ_COOKIE)?.value;
  const decoded = stored ? decodeURIComponent(stored) : undefined;
  const timeZone = decoded && zonePattern.test(decoded) ? decoded : 'UTC';
  let result = await load(() => getToday(timeZone));
  // A zone the hub does not know (an old browser's alias): today in UTC rather than nothing.
  if (!result.ok && timeZone !== 'UTC') result = await load(() => getToday('UTC'));
  // Suggested merges are a side card: if they cannot be read, Today still shows.
  const suggestions = await load(() => listSuggestions(3));
  const merges = suggestions.ok && suggestions.data.total > 0 ? suggestions.data : undefined;
  return (
    <>
      <TimeZoneCookie used={timeZone} />
      <PageHeader {...HOME_HEADER} />
      {!result.ok ? (
        <Problem message={result.error} />
      ) : result.data.people === 0 && result.data.recent.length === 0 ? (
        <section
          aria-labelledby="first-steps"
          className="grid gap-4 rounded-lg border border-dashed border-border p-6 text-center sm:p-10"
        >
          <UserPlus className="mx-auto size-10 text-muted-foreground" aria-hidden="true" />
          <div>
            <h2 id="first-steps" className="text-lg font-semibold">
              Add your first contact
            </h2>
            <p className="mx-auto mt-1 max-w-prose text-sm text-muted-foreground">
              Welcome to Made Open. This page gathers what needs you today: birthdays, people you meant to stay in touch
              with, and the latest texts, calls and notes. Start with the people who matter to you.
            </p>
          </div>
          <div className="flex flex-wrap justify-center gap-2">
            <Button asChild>
              <Link href="/contacts/new">
                <UserPlus aria-hidden="true" /> Add a contact
              </Link>
            </Button>
            <Button asChild variant="outline">
              <Link href="/notes">
                <NotebookPen aria-hidden="true" /> Write a note
              </Link>
            </Button>
          </div>
          <p className="text-xs text-muted-foreground">
            Press <kbd className="rounded border border-border bg-background px-1 font-mono">Ctrl K</kbd> to search and
            jump anywhere.
          </p>
        </section>
      ) : (
        <div className="grid gap-6 lg:grid-cols-2">
          <Card>
            <CardHeader>
              <CardTitle>To do</CardTitle>
            </CardHeader>
            <CardContent>
              <TaskList
                key={result.data.tasks.map((t) => `${t.id}:${t.version}`).join(',')}
                tasks={result.data.tasks}
              />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Birthdays and anniversaries</CardTitle>
            </CardHeader>
            <CardContent>
              <OccasionList occasions={result.data.occasions} />
            </CardContent>
          </Card>
          {merges && (
            <Card className="lg:col-span-2">
              <CardHeader>
                <CardTitle>Suggested merges</CardTitle>
              </CardHeader>
              <CardContent>
                <SuggestedMerges items={merges.items} total={merges.total} />
              </CardContent>
            </Card>
          )}
          <Card className="lg:col-span-2">
            <CardHeader>
              <CardTitle>Recent activity</CardTitle>
            </CardHeader>
            <CardContent>
              <RecentActivity items={result.data.recent} />
            </CardContent>
          </Card>
        </div>
      )}
    </>
  );
}
