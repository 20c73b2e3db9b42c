'use client';
import { AlertTriangle, Video } from 'lucide-react';
import { useState, useTransition, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogTitle } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { Input, Textarea } from '@/components/ui/input';
import {
  deleteEventAction,
  getEventAction,
  resolveConflictAction,
  respondEventAction,
  saveEventAction,
} from '@/lib/actions/calendar';
import { SCOPE_ACTIONS, SeriesScopeChoice } from './series-scope';
import {
  REPEATS,
  addDays,
  describeRule,
  dateKey,
  inputValue,
  isoLocal,
  localDate,
  repeatOf,
  scopesOf,
  seriesDraftOf,
  seriesOf,
  spanOf,
  type CalendarEvent,
  type EventDraft,
  type Repeat,
  type SeriesScope,
} from './model';

export interface CalendarChoice {
  id: string;
  label: string;
}

/** What the dialog opens on: an event to edit, or a new one starting at `start`. */
export type DialogTarget = { event: CalendarEvent } | { start: Date; allDay: boolean };

const select =
  'flex h-10 w-full rounded-md border border-input bg-background px-3 py-2 text-base text-foreground outline-none focus-visible:ring-2 focus-visible:ring-ring sm:text-sm';

const RESPONSES = [
  { value: 'accepted', label: 'Accept' },
  { value: 'tentative', label: 'Maybe' },
  { value: 'declined', label: 'Decline' },
] as const;

function initialState(target: DialogTarget, zone: string) {
  if ('event' in target) {
    const e = target.event;
    const span = spanOf(e);
    return {
      title: e.title,
      allDay: e.allDay,
      start: e.allDay ? dateKey(span.start) : inputValue(span.start),
      // All-day ends are exclusive in the hub; the dialog shows the last day.
      end: e.allDay ? dateKey(addDays(span.end, -1)) : inputValue(span.end),
      timeZone: e.timeZone ?? zone,
      location: e.location ?? '',
      attendees: e.attendees.map((a) => a.email),
      meeting: e.onlineMeetingUrl ?? '',
      notes: e.notes,
      repeat: repeatOf(e.kind === 'occurrence' || e.kind === 'master' ? e.recurrence : null, e.startsAt),
      calendar: e.connectionId ?? '',
    };
  }
  const start = target.start;
  const end = new Date(start.getTime() + 60 * 60_000);
  return {
    title: '',
    allDay: target.allDay,
    start: target.allDay ? dateKey(start) : inputValue(start),
    end: target.allDay ? dateKey(start) : inputValue(end),
    timeZone: zone,
    location: '',
    attendees: [] as string[],
    meeting: '',
    notes: '',
    repeat: 'none' as Repeat | 'custom',
    calendar: '',
  };
}

/** Create, edit, delete or answer one event, in an accessible dialog. */
export function EventDialog({
  target,
  zone,
  calendars,
  contactEmails,
  onClose,
  onChanged,
  onEditSeries,
}: {
  target: DialogTarget;
  zone: string;
  calendars: CalendarChoice[];
  contactEmails: { email: string; name: string }[];
  onClose: () => void;
  onChanged: (message: string) => void;
  /** Opens the series this occurrence belongs to. */
  onEditSeries: (seriesId: string) => void;
}) {
  const existing = 'event' in target ? target.event : null;
  const [form, setForm] = useState(() => initialState(target, zone));
  const [attendee, setAttendee] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  /** Deleting a whole series waits for a second, explicit press. */
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const readOnly = existing !== null && !existing.editable;
  const series = existing ? seriesOf(existing) : null;
  const wholeSeries = existing?.kind === 'master';
  /** For an occurrence: which events of its series a save or delete applies to. */
  const scopes = existing ? scopesOf(existing) : [];
  const [scope, setScope] = useState<SeriesScope>('this');
  /** A delete of more than one event waits for a second, explicit press. */
  const deletesMany = wholeSeries || scope !== 'this';
  /** The master this occurrence's series is edited through (null: the hub does not hold it). */
  const seriesEntity = series ? (existing?.seriesEntityId ?? null) : null;
  const connected = existing ? existing.source !== 'calendar' : form.calendar !== '';
  const calendarName = existing?.source === 'msgraph' ? 'Microsoft 365' : (existing?.source ?? '');
  /** Where a connected calendar's series is changed. */
  const seriesHome = calendarName === 'Microsoft 365' ? 'Outlook' : calendarName;
  const set = <K extends keyof typeof form>(key: K, value: (typeof form)[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  function addAttendee(raw: string) {
    const email = raw.trim().toLowerCase();
    if (!email) return;
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      setError(`“${raw}” is not an email address.`);
      return;
    }
    setError(null);
    if (!form.attendees.includes(email)) set('attendees', [...form.attendees, email]);
    setAttendee('');
  }

  function draft(): EventDraft | string {
    if (!form.title.trim()) return 'Give the event a title.';
    let startsAt: string;
    let endsAt: string;
    if (form.allDay) {
      if (!form.start || !form.end) return 'Choose the first and last day.';
      startsAt = form.start;
      endsAt = dateKey(addDays(localDate(form.end), 1));
      if (form.end < form.start) return 'The last day cannot be before the first.';
    } else {
      const start = new Date(form.start);
      const end = new Date(form.end);
      if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return 'Choose when it starts and ends.';
      if (end < start) return 'The end cannot be before the start.';
      startsAt = isoLocal(start);
      endsAt = isoLocal(end);
    }
    const editingSeries = existing === null || existing.kind === 'master' || existing.kind === 'single';
    return {
      title: form.title.trim(),
      notes: form.notes || undefined,
      startsAt,
      endsAt,
      allDay: form.allDay,
      // An event without a zone keeps none unless one is chosen (a series' new zone rebuilds it).
      timeZone: existing?.timeZone === null && form.timeZone === zone ? undefined : form.timeZone || undefined,
      location: form.location.trim() || undefined,
      attendees: form.attendees,
      onlineMeetingUrl: form.meeting.trim() || undefined,
      // A connected calendar's series keeps repeating (it can end there, or be deleted): never cleared from here.
      ...(editingSeries && form.repeat !== 'custom' && !(connected && wholeSeries && form.repeat === 'none')
        ? { recurrence: REPEATS[form.repeat as Repeat] ?? (existing ? null : undefined) }
        : {}),
      ...(existing === null && form.calendar ? { connectionId: form.calendar } : {}),
    };
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = draft();
    if (typeof value === 'string') return setError(value);
    if (value.recurrence === undefined) delete value.recurrence;
    startTransition(async () => {
      if (existing && scope === 'all' && existing.seriesEntityId) {
        const master = await getEventAction(existing.seriesEntityId);
        if (!master.ok) return setError(master.error);
        const whole = seriesDraftOf(master.data, existing, value);
        if (typeof whole === 'string') return setError(whole);
        const saved = await saveEventAction({ id: master.data.id, version: master.data.version }, whole);
        if (!saved.ok) return setError(saved.error);
        return onChanged('All events saved');
      }
      const following = existing && scope === 'following' ? ('following' as const) : undefined;
      const result = await saveEventAction(
        existing ? { id: existing.id, version: existing.version } : null,
        value,
        following,
      );
      if (!result.ok) return setError(result.error);
      onChanged(existing ? (following ? 'This and following events saved' : 'Event saved') : 'Event created');
    });
  }

  function remove() {
    if (!existing) return;
    if (deletesMany && !confirmingDelete) return setConfirmingDelete(true);
    startTransition(async () => {
      const result =
        scope === 'all' && existing.seriesEntityId
          ? await deleteEventAction(existing.seriesEntityId)
          : await deleteEventAction(existing.id, scope === 'following' ? 'following' : undefined);
      if (!result.ok) return setError(result.error);
      onChanged(
        wholeSeries || scope === 'all'
          ? 'Series deleted'
          : scope === 'following'
            ? 'This and following events deleted'
            : 'Event deleted',
      );
    });
  }

  function respond(response: 'accepted' | 'tentative' | 'declined') {
    if (!existing) return;
    startTransition(async () => {
      const result = await respondEventAction(existing.id, response);
      if (!result.ok) return setError(result.error);
      onChanged('Answer sent');
    });
  }

  function resolve(keep: 'local' | 'remote') {
    if (!existing?.conflict) return;
    const conflictId = existing.conflict.id;
    startTransition(async () => {
      const result = await resolveConflictAction(conflictId, keep);
      if (!result.ok) return setError(result.error);
      onChanged(keep === 'local' ? 'Kept your version' : 'Kept their version');
    });
  }

  const title = existing ? (readOnly ? existing.title : 'Edit event') : 'New event';
  const remote = existing?.conflict?.remote as { title?: string } | undefined;
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-w-xl">
        <DialogTitle>{title}</DialogTitle>
        <DialogDescription>
          {existing && existing.source !== 'calendar'
            ? `On your ${existing.source === 'msgraph' ? 'Microsoft 365' : existing.source} calendar. `
            : ''}
          Times are in {zone}, your browser&apos;s time zone.
        </DialogDescription>

        {existing?.conflict && (
          <div
            role="alert"
            className="grid gap-2 rounded-md border border-amber-600/60 bg-amber-50 p-3 text-sm text-amber-950 dark:bg-amber-950/40 dark:text-amber-100"
          >
            <p className="flex items-start gap-2 font-medium">
              <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
              This event was also changed in the other calendar. Nothing was overwritten.
            </p>
            <p>
              Yours: “
              {String((existing.conflict.local.fields as { title?: string } | undefined)?.title ?? existing.title)}” ·
              Theirs: “{remote?.title ?? 'changed'}”
            </p>
            <div className="flex flex-wrap gap-2">
              <Button type="button" size="sm" onClick={() => resolve('local')} disabled={pending}>
                Keep mine
              </Button>
              <Button type="button" size="sm" variant="outline" onClick={() => resolve('remote')} disabled={pending}>
                Keep theirs
              </Button>
            </div>
          </div>
        )}

        {existing?.canRespond && (
          <div className="grid gap-2">
            <p className="text-sm">
              Invitation from {existing.organizer ?? 'the organiser'}
              {existing.myResponse && existing.myResponse !== 'none' ? ` · you answered ${existing.myResponse}` : ''}
            </p>
            <div role="group" aria-label="Answer the invitation" className="flex flex-wrap gap-2">
              {RESPONSES.map((r) => (
                <Button
                  key={r.value}
                  type="button"
                  size="sm"
                  variant={existing.myResponse === r.value ? 'default' : 'outline'}
                  aria-pressed={existing.myResponse === r.value}
                  disabled={pending}
                  onClick={() => respond(r.value)}
                >
                  {r.label}
                </Button>
              ))}
            </div>
          </div>
        )}

        {existing?.onlineMeetingUrl && (
          <a
            href={existing.onlineMeetingUrl}
            target="_blank"
            rel="noopener noreferrer"
            className="inline-flex items-center gap-2 text-sm font-medium text-primary underline-offset-4 hover:underline"
          >
            <Video className="size-4" aria-hidden="true" />
            Join the online meeting
          </a>
        )}

        {existing && series && existing.editable && (
          <p className="text-sm text-muted-foreground">
            {scopes.length > 1
              ? `One occurrence of a repeating event${series === 'provider' ? ` in your ${calendarName} calendar` : ''}: choose below which events a change or delete applies to.`
              : series === 'hub'
                ? 'One occurrence of a repeating event: changes here apply to this one only.'
                : `This event is part of a series in your ${calendarName} calendar: changes and deleting here apply to this occurrence only.`}{' '}
            {seriesEntity ? (
              <button
                type="button"
                className="font-medium text-primary underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                onClick={() => onEditSeries(seriesEntity)}
              >
                Edit the whole series and its rule
              </button>
            ) : (
              `Change the whole series in ${seriesHome}.`
            )}
          </p>
        )}
        {existing && wholeSeries && existing.editable && (
          <p className="text-sm text-muted-foreground">
            The whole series: changes here apply to every occurrence
            {connected
              ? `, in ${seriesHome} too. A new time or rule makes its occurrences anew, and ${seriesHome} drops occurrences changed one by one.`
              : ', except those changed one by one.'}
          </p>
        )}

        <form onSubmit={submit} className="grid gap-3" aria-label={title}>
          <fieldset disabled={readOnly || pending} className="grid gap-3">
            <Field id="event-title" label="Title">
              {(aria) => (
                <Input
                  {...aria}
                  value={form.title}
                  onChange={(e) => set('title', e.target.value)}
                  required
                  maxLength={1000}
                />
              )}
            </Field>
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={form.allDay}
                onChange={(e) => {
                  const allDay = e.target.checked;
                  setForm((f) => ({
                    ...f,
                    allDay,
                    start: allDay ? f.start.slice(0, 10) : `${f.start.slice(0, 10)}T09:00`,
                    end: allDay ? f.end.slice(0, 10) : `${f.end.slice(0, 10)}T10:00`,
                  }));
                }}
                className="size-4"
              />
              All day
            </label>
            <div className="grid gap-3 sm:grid-cols-2">
              <Field id="event-start" label={form.allDay ? 'First day' : 'Starts'}>
                {(aria) => (
                  <Input
                    {...aria}
                    type={form.allDay ? 'date' : 'datetime-local'}
                    value={form.start}
                    onChange={(e) => set('start', e.target.value)}
                    required
                  />
                )}
              </Field>
              <Field id="event-end" label={form.allDay ? 'Last day' : 'Ends'}>
                {(aria) => (
                  <Input
                    {...aria}
                    type={form.allDay ? 'date' : 'datetime-local'}
                    value={form.end}
                    onChange={(e) => set('end', e.target.value)}
                    required
                  />
                )}
              </Field>
            </div>
            <div className="grid gap-3 sm:grid-cols-2">
              <Field id="event-zone" label="Time zone" hint="Repeats follow this zone's clock.">
                {(aria) => (
                  <Input
                    {...aria}
                    value={form.timeZone}
                    onChange={(e) => set('timeZone', e.target.value)}
                    list="calendar-zones"
                    maxLength={64}
                  />
                )}
              </Field>
              <Field id="event-repeat" label="Repeats">
                {(aria) => (
                  <select
                    {...aria}
                    className={select}
                    value={form.repeat}
                    disabled={existing !== null && (existing.kind === 'occurrence' || existing.kind === 'exception')}
                    onChange={(e) => set('repeat', e.target.value as Repeat)}
                  >
                    {/* An occurrence of a connected series carries no rule: say that it repeats, not "Does not repeat". */}
                    {!(connected && wholeSeries) ? (
                      <option value="none">
                        {series === 'provider' ? 'Part of a repeating series' : 'Does not repeat'}
                      </option>
                    ) : (
                      // A rule the hub cannot read (Graph gave none it knows): kept as it is.
                      form.repeat === 'none' && <option value="none">Repeats as set in {seriesHome}</option>
                    )}
                    <option value="daily">Every day</option>
                    <option value="weekdays">Every weekday</option>
                    <option value="weekly">Every week</option>
                    <option value="monthly">Every month</option>
                    <option value="yearly">Every year</option>
                    {form.repeat === 'custom' && existing?.recurrence && (
                      <option value="custom">{describeRule(existing.recurrence)}</option>
                    )}
                  </select>
                )}
              </Field>
            </div>
            <datalist id="calendar-zones">
              {zonesOf(zone).map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            <Field id="event-location" label="Location">
              {(aria) => (
                <Input
                  {...aria}
                  value={form.location}
                  onChange={(e) => set('location', e.target.value)}
                  maxLength={1000}
                />
              )}
            </Field>
            <Field id="event-attendees" label="Attendees" hint="Type an email or pick a contact, then press Enter.">
              {(aria) => (
                <div className="grid gap-2">
                  <Input
                    {...aria}
                    type="email"
                    list="calendar-contacts"
                    value={attendee}
                    onChange={(e) => setAttendee(e.target.value)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ',') {
                        e.preventDefault();
                        addAttendee(attendee);
                      }
                    }}
                    onBlur={() => attendee && addAttendee(attendee)}
                  />
                  {form.attendees.length > 0 && (
                    <ul aria-label="Attendees" className="flex flex-wrap gap-1.5">
                      {form.attendees.map((email) => {
                        const response = existing?.attendees.find((a) => a.email === email)?.response;
                        return (
                          <li
                            key={email}
                            className="inline-flex items-center gap-1 rounded-full bg-muted px-2.5 py-1 text-xs"
                          >
                            {email}
                            {response && response !== 'none' && (
                              <span className="text-muted-foreground">· {response}</span>
                            )}
                            <button
                              type="button"
                              className="rounded-full px-1 hover:bg-background focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                              aria-label={`Remove ${email}`}
                              onClick={() =>
                                set(
                                  'attendees',
                                  form.attendees.filter((a) => a !== email),
                                )
                              }
                            >
                              ×
                            </button>
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </div>
              )}
            </Field>
            <datalist id="calendar-contacts">
              {contactEmails.map((c) => (
                <option key={c.email} value={c.email}>
                  {c.name}
                </option>
              ))}
            </datalist>
            <Field id="event-meeting" label="Online meeting link">
              {(aria) => (
                <Input
                  {...aria}
                  type="url"
                  value={form.meeting}
                  onChange={(e) => set('meeting', e.target.value)}
                  placeholder="https://"
                  maxLength={2000}
                />
              )}
            </Field>
            <Field id="event-notes" label="Notes">
              {(aria) => <Textarea {...aria} value={form.notes} onChange={(e) => set('notes', e.target.value)} />}
            </Field>
            {existing === null && (
              <Field id="event-calendar" label="Calendar">
                {(aria) => (
                  <select
                    {...aria}
                    className={select}
                    value={form.calendar}
                    onChange={(e) => set('calendar', e.target.value)}
                  >
                    <option value="">This hub only</option>
                    {calendars.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            )}
          </fieldset>
          {error && (
            <p role="alert" className="text-sm text-destructive">
              {error}
            </p>
          )}
          {scopes.length > 1 && !readOnly && (
            <SeriesScopeChoice
              scopes={scopes}
              scope={scope}
              onChange={setScope}
              disabled={pending || confirmingDelete}
              home={connected ? seriesHome : null}
            />
          )}
          {confirmingDelete && (
            <div role="alert" className="grid gap-2 rounded-md border border-destructive/60 p-3 text-sm">
              <p className="font-medium">
                {scope === 'following'
                  ? `Delete this and every later occurrence of “${existing?.title}”`
                  : `Delete every occurrence of “${existing?.title}”`}
                {connected ? `, in ${seriesHome} too` : ''}?
              </p>
              <div className="flex flex-wrap gap-2">
                <Button type="button" size="sm" variant="destructive" onClick={remove} disabled={pending}>
                  {scope === 'following' ? 'Delete these' : 'Delete the series'}
                </Button>
                {/* Focus lands on the safe choice, so the question is read out and a second Enter keeps the series. */}
                <Button type="button" size="sm" variant="outline" autoFocus onClick={() => setConfirmingDelete(false)}>
                  Keep it
                </Button>
              </div>
            </div>
          )}
          <div className="flex flex-wrap justify-between gap-2 pt-1">
            <div>
              {existing && !readOnly && (
                <Button type="button" variant="destructive" onClick={remove} disabled={pending || confirmingDelete}>
                  {series ? SCOPE_ACTIONS[scope].remove : wholeSeries ? 'Delete series' : 'Delete'}
                </Button>
              )}
            </div>
            <div className="flex gap-2">
              <Button type="button" variant="outline" onClick={onClose}>
                {readOnly ? 'Close' : 'Cancel'}
              </Button>
              {!readOnly && (
                <Button type="submit" disabled={pending}>
                  {existing ? (series ? SCOPE_ACTIONS[scope].save : 'Save') : 'Create'}
                </Button>
              )}
            </div>
          </div>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** A short list of zones to pick from (the browser's first); any IANA name may be typed. */
function zonesOf(zone: string): string[] {
  const common = [
    'UTC',
    'Europe/London',
    'Europe/Berlin',
    'America/New_York',
    'America/Los_Angeles',
    'Asia/Tokyo',
    'Australia/Sydney',
  ];
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : common;
  return [zone, ...all.filter((z) => z !== zone)];
}
