'use client';
import { AlertTriangle, ChevronLeft, ChevronRight, Plus, Video } from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { useToast } from '@/components/ui/toast';
import { getEventAction, loadCalendarAction } from '@/lib/actions/calendar';
import { cn } from '@/lib/utils';
import { EventDialog, type CalendarChoice, type DialogTarget } from './event-dialog';
import { preferredView, rememberView } from './view-preference';
import {
  VIEWS,
  addDays,
  dateKey,
  eventsOn,
  isoLocal,
  layoutDay,
  rangeOf,
  spanOf,
  startOfDay,
  step,
  type CalendarEvent,
  type CalendarViewKind,
} from './model';

const HOUR_PX = 48;
const VIEW_LABELS: Record<CalendarViewKind, string> = { agenda: 'Agenda', day: 'Day', week: 'Week', month: 'Month' };

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });
const longDayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });

function titleOf(view: CalendarViewKind, start: Date, end: Date, anchor: Date) {
  if (view === 'month') return monthFormat.format(anchor);
  if (view === 'day') return longDayFormat.format(start);
  const last = addDays(end, -1);
  const short = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  return `${short.format(start)} – ${short.format(last)} ${last.getFullYear()}`;
}

function timeRange(event: CalendarEvent): string {
  if (event.allDay) return 'All day';
  const { start, end } = spanOf(event);
  return end.getTime() === start.getTime()
    ? timeFormat.format(start)
    : `${timeFormat.format(start)} – ${timeFormat.format(end)}`;
}

function describe(event: CalendarEvent): string {
  const parts = [event.title, timeRange(event)];
  if (event.location) parts.push(event.location);
  if (event.conflict) parts.push('changed on both sides');
  if (event.canRespond && (!event.myResponse || event.myResponse === 'none')) parts.push('invitation, not answered');
  if (event.status === 'cancelled') parts.push('cancelled');
  return parts.join(', ');
}

const chip =
  'block min-h-6 w-full truncate rounded px-1.5 py-1 text-left text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring';
const toneOf = (event: CalendarEvent) =>
  cn(
    event.source === 'calendar' ? 'bg-primary/15 text-foreground' : 'bg-sky-600/15 text-foreground',
    event.conflict && 'ring-1 ring-amber-600',
    event.status === 'cancelled' && 'line-through opacity-70',
    event.canRespond &&
      (!event.myResponse || event.myResponse === 'none') &&
      'border border-dashed border-foreground/40',
  );

/** /calendar: agenda, day, week and month views in the browser's time zone. */
export function CalendarView({
  zone,
  calendars,
  contactEmails,
  initialView,
  initialDate,
}: {
  zone: string;
  calendars: CalendarChoice[];
  contactEmails: { email: string; name: string }[];
  /** From the address; null: the view last used in this browser, else agenda on a phone and week elsewhere. */
  initialView: CalendarViewKind | null;
  initialDate: string | null;
}) {
  const toast = useToast();
  const [view, setView] = useState<CalendarViewKind>(initialView ?? 'week');
  const [anchor, setAnchor] = useState(() => (initialDate ? new Date(`${initialDate}T12:00:00`) : new Date()));
  const [events, setEvents] = useState<CalendarEvent[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<DialogTarget | null>(null);
  const [browserZone, setBrowserZone] = useState(zone);
  const { start, end } = useMemo(() => rangeOf(view, anchor), [view, anchor]);
  const request = useRef(0);

  useEffect(() => setBrowserZone(Intl.DateTimeFormat().resolvedOptions().timeZone || zone), [zone]);

  const load = useCallback(async () => {
    const id = ++request.current;
    const result = await loadCalendarAction(isoLocal(start), isoLocal(end), browserZone);
    if (id !== request.current) return;
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    setEvents(result.data.events);
    setTruncated(result.data.truncated);
  }, [start, end, browserZone]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (!initialView) setView(preferredView());
  }, [initialView]);
  useEffect(() => rememberView(view), [view]);

  // Keep the URL shareable without a navigation.
  useEffect(() => {
    const url = new URL(window.location.href);
    url.searchParams.set('view', view);
    url.searchParams.set('date', dateKey(anchor));
    window.history.replaceState(null, '', url);
  }, [view, anchor]);

  const move = useCallback((direction: 1 | -1) => setAnchor((a) => step(view, a, direction)), [view]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (dialog || event.metaKey || event.ctrlKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      const keys: Record<string, () => void> = {
        ArrowLeft: () => move(-1),
        ArrowRight: () => move(1),
        t: () => setAnchor(new Date()),
        a: () => setView('agenda'),
        d: () => setView('day'),
        w: () => setView('week'),
        m: () => setView('month'),
        n: () => setDialog({ start: nextHour(anchor), allDay: false }),
      };
      const action = keys[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialog, move, anchor]);

  const open = (event: CalendarEvent) => setDialog({ event });
  const create = (at: Date, allDay = false) => setDialog({ start: at, allDay });

  const conflicts = (events ?? []).filter((e) => e.conflict);
  return (
    // One column no wider than the page: a wide view scrolls inside itself, never the page.
    <div className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-2">
          <Button variant="outline" onClick={() => setAnchor(new Date())} aria-keyshortcuts="t">
            Today
          </Button>
          <Button
            variant="ghost"
            size="icon"
            onClick={() => move(-1)}
            aria-label={`Previous ${view === 'agenda' ? 'days' : view}`}
            aria-keyshortcuts="ArrowLeft"
          >
            <ChevronLeft aria-hidden="true" />
          </Button>
          <Button
            variant="ghost"
            size="icon"
            onClick={() => move(1)}
            aria-label={`Next ${view === 'agenda' ? 'days' : view}`}
            aria-keyshortcuts="ArrowRight"
          >
            <ChevronRight aria-hidden="true" />
          </Button>
          <h2 className="text-lg font-semibold" aria-live="polite">
            {titleOf(view, start, end, anchor)}
          </h2>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <div role="group" aria-label="View" className="inline-flex rounded-md border border-border p-0.5">
            {VIEWS.map((v) => (
              <button
                key={v}
                type="button"
                aria-pressed={view === v}
                aria-keyshortcuts={v[0]}
                onClick={() => setView(v)}
                className={cn(
                  'rounded px-3 py-1.5 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                  view === v ? 'bg-primary text-primary-foreground' : 'hover:bg-muted',
                )}
              >
                {VIEW_LABELS[v]}
              </button>
            ))}
          </div>
          <Button onClick={() => create(nextHour(anchor))} aria-keyshortcuts="n">
            <Plus aria-hidden="true" />
            New event
          </Button>
        </div>
      </div>
      <p className="text-xs text-muted-foreground">
        Times in {browserZone} (your browser&apos;s time zone).{' '}
        {/* Keyboard shortcuts mean nothing on a touch screen. */}
        <span className="pointer-coarse:hidden">Keys: ← → move, T today, A D W M views, N new event.</span>
      </p>

      {conflicts.length > 0 && (
        <div
          role="alert"
          className="flex flex-wrap items-center gap-2 rounded-md border border-amber-600/60 bg-amber-50 p-3 text-sm text-amber-950 dark:bg-amber-950/40 dark:text-amber-100"
        >
          <AlertTriangle className="size-4 shrink-0" aria-hidden="true" />
          <span>
            {conflicts.length === 1 ? 'One event was' : `${conflicts.length} events were`} changed both here and in the
            other calendar.
          </span>
          {conflicts.map((e) => (
            <Button key={e.id} size="sm" variant="outline" onClick={() => open(e)}>
              Review “{e.title}”
            </Button>
          ))}
        </div>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      {truncated && (
        <p className="text-sm text-muted-foreground">Only the first 3,000 events of this range are shown.</p>
      )}

      <div aria-busy={events === null} className="min-w-0">
        {view === 'month' && (
          <>
            <div className="max-sm:hidden">
              <MonthGrid
                start={start}
                anchor={anchor}
                events={events ?? []}
                onOpen={open}
                onCreate={create}
                onDay={(d) => {
                  setAnchor(d);
                  setView('day');
                }}
              />
            </div>
            <div className="sm:hidden">
              <Agenda start={start} end={end} events={events ?? []} onOpen={open} loading={events === null} />
            </div>
          </>
        )}
        {view === 'agenda' && (
          <Agenda start={start} end={end} events={events ?? []} onOpen={open} loading={events === null} />
        )}
        {(view === 'week' || view === 'day') && (
          <TimeGrid
            days={view === 'day' ? [start] : Array.from({ length: 7 }, (_, i) => addDays(start, i))}
            events={events ?? []}
            onOpen={open}
            onCreate={create}
          />
        )}
      </div>

      {dialog && (
        <EventDialog
          key={'event' in dialog ? `${dialog.event.id}:${dialog.event.version}` : dialog.start.toISOString()}
          target={dialog}
          zone={browserZone}
          calendars={calendars}
          contactEmails={contactEmails}
          onClose={() => setDialog(null)}
          onEditSeries={async (seriesId) => {
            const series = await getEventAction(seriesId);
            if (series.ok) setDialog({ event: series.data });
            else setError(series.error);
          }}
          onChanged={(message) => {
            setDialog(null);
            toast({ title: message });
            void load();
          }}
        />
      )}
    </div>
  );
}

function nextHour(anchor: Date): Date {
  const now = new Date();
  const base =
    startOfDay(anchor).getTime() === startOfDay(now).getTime()
      ? now
      : new Date(startOfDay(anchor).getTime() + 9 * 3_600_000);
  return new Date(base.getFullYear(), base.getMonth(), base.getDate(), base === now ? now.getHours() + 1 : 9);
}

function EventChip({ event, onOpen }: { event: CalendarEvent; onOpen: (e: CalendarEvent) => void }) {
  return (
    <button
      type="button"
      className={cn(chip, toneOf(event))}
      onClick={() => onOpen(event)}
      aria-label={describe(event)}
    >
      {!event.allDay && <span className="mr-1 text-muted-foreground">{timeFormat.format(spanOf(event).start)}</span>}
      {event.conflict && <AlertTriangle className="mr-0.5 inline size-3 text-amber-700" aria-hidden="true" />}
      {event.title}
    </button>
  );
}

function MonthGrid({
  start,
  anchor,
  events,
  onOpen,
  onCreate,
  onDay,
}: {
  start: Date;
  anchor: Date;
  events: CalendarEvent[];
  onOpen: (e: CalendarEvent) => void;
  onCreate: (at: Date, allDay: boolean) => void;
  onDay: (day: Date) => void;
}) {
  const today = dateKey(new Date());
  const days = Array.from({ length: 42 }, (_, i) => addDays(start, i));
  return (
    <div role="grid" aria-label="Month" className="overflow-hidden rounded-lg border border-border">
      <div role="row" className="grid grid-cols-7 border-b border-border bg-muted/50">
        {days.slice(0, 7).map((d) => (
          <div role="columnheader" key={d.getDay()} className="px-2 py-1.5 text-xs font-medium text-muted-foreground">
            {weekdayFormat.format(d)}
          </div>
        ))}
      </div>
      {Array.from({ length: 6 }, (_, week) => (
        <div role="row" key={week} className="grid grid-cols-7">
          {days.slice(week * 7, week * 7 + 7).map((day) => {
            const list = eventsOn(events, day);
            const inMonth = day.getMonth() === anchor.getMonth();
            return (
              <div
                role="gridcell"
                key={dateKey(day)}
                className={cn('min-h-32 border-b border-r border-border p-1', !inMonth && 'bg-muted/30')}
              >
                <div className="mb-1 flex items-center justify-between">
                  <button
                    type="button"
                    onClick={() => onDay(day)}
                    aria-label={`Show ${longDayFormat.format(day)}`}
                    className={cn(
                      'rounded px-1.5 text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                      dateKey(day) === today
                        ? 'bg-primary font-semibold text-primary-foreground'
                        : inMonth
                          ? ''
                          : 'text-muted-foreground',
                    )}
                  >
                    {day.getDate()}
                  </button>
                  <button
                    type="button"
                    onClick={() => onCreate(new Date(day.getFullYear(), day.getMonth(), day.getDate(), 9), false)}
                    aria-label={`New event on ${longDayFormat.format(day)}`}
                    className="rounded p-0.5 text-muted-foreground opacity-60 hover:bg-muted hover:opacity-100 focus-visible:opacity-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                  >
                    <Plus className="size-3" aria-hidden="true" />
                  </button>
                </div>
                <ul className="grid gap-0.5">
                  {list.slice(0, 3).map((e) => (
                    <li key={e.id}>
                      <EventChip event={e} onOpen={onOpen} />
                    </li>
                  ))}
                  {list.length > 3 && (
                    <li>
                      <button
                        type="button"
                        onClick={() => onDay(day)}
                        className="px-1.5 text-xs text-muted-foreground hover:underline"
                      >
                        {list.length - 3} more
                      </button>
                    </li>
                  )}
                </ul>
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
}

function Agenda({
  start,
  end,
  events,
  onOpen,
  loading,
}: {
  start: Date;
  end: Date;
  events: CalendarEvent[];
  onOpen: (e: CalendarEvent) => void;
  loading: boolean;
}) {
  const days: Date[] = [];
  for (let d = start; d < end; d = addDays(d, 1)) days.push(d);
  const withEvents = days.map((day) => ({ day, list: eventsOn(events, day) })).filter((d) => d.list.length > 0);
  if (loading) return <p className="text-sm text-muted-foreground">Loading events…</p>;
  if (withEvents.length === 0)
    return (
      <p className="rounded-lg border border-dashed border-border p-6 text-center text-sm text-muted-foreground">
        No events in these days.
      </p>
    );
  return (
    <ol aria-label="Agenda" className="grid gap-4">
      {withEvents.map(({ day, list }) => (
        <li key={dateKey(day)}>
          <h3 className="mb-1 text-sm font-semibold">{longDayFormat.format(day)}</h3>
          <ul className="grid gap-1">
            {list.map((e) => (
              <li key={e.id}>
                <button
                  type="button"
                  onClick={() => onOpen(e)}
                  aria-label={describe(e)}
                  className={cn(
                    'flex w-full items-start gap-3 rounded-md px-3 py-2 text-left text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                    toneOf(e),
                  )}
                >
                  <span className="w-28 shrink-0 text-muted-foreground">{timeRange(e)}</span>
                  <span className="min-w-0 flex-1">
                    {/* The agenda has room to wrap: a long title is read whole, not cut off. */}
                    <span className="block font-medium break-words">
                      {e.conflict && (
                        <AlertTriangle className="mr-1 inline size-3.5 text-amber-700" aria-hidden="true" />
                      )}
                      {e.title}
                    </span>
                    {e.location && (
                      <span className="block text-xs break-words text-muted-foreground">{e.location}</span>
                    )}
                  </span>
                  {e.onlineMeetingUrl && <Video className="size-4 shrink-0 text-muted-foreground" aria-hidden="true" />}
                </button>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function TimeGrid({
  days,
  events,
  onOpen,
  onCreate,
}: {
  days: Date[];
  events: CalendarEvent[];
  onOpen: (e: CalendarEvent) => void;
  onCreate: (at: Date, allDay: boolean) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 7 * HOUR_PX;
  }, []);
  const today = dateKey(new Date());
  const cols = { gridTemplateColumns: `3.5rem repeat(${days.length}, minmax(0, 1fr))` };
  return (
    // A week keeps readable columns on a phone: it scrolls sideways instead of squeezing them.
    <div className="overflow-x-auto rounded-lg border border-border">
      <div className={cn(days.length > 1 && 'min-w-[46rem]')}>
        <div className="grid border-b border-border bg-muted/50" style={cols}>
          <div />
          {days.map((d) => (
            <div
              key={dateKey(d)}
              className={cn('px-1 py-1.5 text-center text-xs font-medium', dateKey(d) === today && 'text-primary')}
            >
              {dayFormat.format(d)}
            </div>
          ))}
        </div>
        <div className="grid border-b border-border" style={cols}>
          <div className="px-1 py-1 text-right text-[11px] text-muted-foreground">All day</div>
          {days.map((d) => (
            <ul
              key={dateKey(d)}
              aria-label={`All day, ${longDayFormat.format(d)}`}
              className="grid min-h-7 content-start gap-0.5 border-l border-border p-0.5"
            >
              {eventsOn(events, d)
                .filter((e) => e.allDay)
                .map((e) => (
                  <li key={e.id}>
                    <EventChip event={e} onOpen={onOpen} />
                  </li>
                ))}
            </ul>
          ))}
        </div>
        <div ref={scroller} className="max-h-[65vh] overflow-y-auto">
          <div className="relative grid" style={cols}>
            <div>
              {Array.from({ length: 24 }, (_, h) => (
                <div
                  key={h}
                  className="relative pr-1 text-right text-[11px] text-muted-foreground"
                  style={{ height: HOUR_PX }}
                >
                  <span className="relative -top-2">{h === 0 ? '' : timeFormat.format(new Date(2000, 0, 1, h))}</span>
                </div>
              ))}
            </div>
            {days.map((day) => {
              const placed = layoutDay(
                eventsOn(events, day).filter((e) => !e.allDay),
                day,
              );
              return (
                <div
                  key={dateKey(day)}
                  className="relative border-l border-border"
                  aria-label={longDayFormat.format(day)}
                  role="group"
                >
                  {/* Pointer shortcut: a click on an hour makes an event there (keyboard: New event, or N). */}
                  <div
                    aria-hidden="true"
                    data-day={dateKey(day)}
                    className="cursor-pointer"
                    // Hour lines drawn by the background: one element a day instead of 24.
                    style={{
                      height: 24 * HOUR_PX,
                      backgroundImage: `repeating-linear-gradient(to bottom, transparent 0, transparent ${HOUR_PX - 1}px, var(--color-border) ${HOUR_PX - 1}px, var(--color-border) ${HOUR_PX}px)`,
                    }}
                    onClick={(e) => {
                      const y = e.clientY - e.currentTarget.getBoundingClientRect().top;
                      const hour = Math.min(23, Math.max(0, Math.floor(y / HOUR_PX)));
                      onCreate(new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour), false);
                    }}
                  />
                  {placed.map((p) => (
                    <button
                      key={p.event.id}
                      type="button"
                      onClick={() => onOpen(p.event)}
                      aria-label={describe(p.event)}
                      className={cn(
                        'absolute overflow-hidden rounded border border-background px-1 py-0.5 text-left text-xs focus-visible:z-10 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                        toneOf(p.event),
                        'bg-background',
                      )}
                      style={{
                        top: (p.top / 60) * HOUR_PX,
                        height: Math.max(24, (p.height / 60) * HOUR_PX - 2),
                        left: `calc(${(100 / p.columns) * p.column}% + 2px)`,
                        width: `calc(${100 / p.columns}% - 4px)`,
                      }}
                    >
                      <span
                        className={cn(
                          'absolute inset-0 -z-0',
                          p.event.source === 'calendar' ? 'bg-primary/15' : 'bg-sky-600/15',
                        )}
                        aria-hidden="true"
                      />
                      <span className="relative block truncate font-medium">
                        {p.event.conflict && (
                          <AlertTriangle className="mr-0.5 inline size-3 text-amber-700" aria-hidden="true" />
                        )}
                        {p.event.title}
                      </span>
                      {p.height >= 40 && (
                        <span className="relative block truncate text-muted-foreground">{timeRange(p.event)}</span>
                      )}
                    </button>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
