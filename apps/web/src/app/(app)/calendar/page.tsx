import type { Metadata } from 'next';
import { CalendarView } from '@/components/calendar/calendar-view';
import { VIEWS, type CalendarViewKind } from '@/components/calendar/model';
import { PageHeader } from '@/components/page-header';
import { CALENDAR_HEADER } from '@/components/page-headers';
import { listCalendarConnections } from '@/lib/calendar';
import { listContactRows } from '@/lib/graph';
import { load } from '@/lib/hub';

export const metadata: Metadata = { title: 'Calendar' };

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function CalendarPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const wanted = one(params.view);
  // No view in the address: the browser picks (the last one used there, else by screen width).
  const view = VIEWS.includes(wanted as CalendarViewKind) ? (wanted as CalendarViewKind) : null;
  const date = one(params.date);
  const [calendars, contacts] = await Promise.all([load(listCalendarConnections), load(listContactRows)]);
  const contactEmails = contacts.ok
    ? contacts.data.rows.flatMap((c) => c.emails.map((email) => ({ email, name: c.name })))
    : [];
  return (
    <>
      <PageHeader {...CALENDAR_HEADER} />
      <CalendarView
        // The browser's zone replaces UTC once the page runs there (no per-user zone setting exists).
        zone="UTC"
        calendars={calendars.ok ? calendars.data.map((c) => ({ id: c.id, label: c.label })) : []}
        contactEmails={contactEmails}
        initialView={view}
        initialDate={date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null}
      />
    </>
  );
}
