import { ChevronLeft, ChevronRight } from 'lucide-react';
import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { DayPicker } from '@/components/devices/day/day-picker';
import { clock, distance, duration, isDate, longDate, shiftDate, todayIn } from '@/components/devices/day/format';
import { NamePlace } from '@/components/devices/day/name-place';
import { SummaryZone } from '@/components/devices/day/summary-zone';
import { DayTrack } from '@/components/devices/day/track';
import { TimeZoneCookie, TZ_COOKIE } from '@/components/home/time-zone-cookie';
import { PageHeader } from '@/components/page-header';
import { Problem } from '@/components/problem';
import { getAppUsageSettings, getDay, listDevices, type DeviceDay } from '@/lib/devices';
import { load } from '@/lib/hub';

const zonePattern = /^[A-Za-z0-9_+\-/]{1,64}$/;

async function readerZone() {
  const stored = (await cookies()).get(TZ_COOKIE)?.value;
  const decoded = stored ? decodeURIComponent(stored) : undefined;
  return decoded && zonePattern.test(decoded) ? decoded : 'UTC';
}

export async function generateMetadata({ params }: { params: Promise<{ date: string }> }): Promise<Metadata> {
  const { date } = await params;
  return { title: isDate(date) ? `Day: ${longDate(date)}` : 'Day' };
}

type Entry =
  | { kind: 'visit'; at: string; visit: DeviceDay['visits'][number] }
  | { kind: 'move'; at: string; move: DeviceDay['moves'][number] };

/** Visits and moves in the order they happened. */
function timeline(day: DeviceDay): Entry[] {
  return [
    ...day.visits.map((visit) => ({ kind: 'visit' as const, at: visit.startedAt, visit })),
    ...day.moves.map((move) => ({ kind: 'move' as const, at: move.from, move })),
  ].sort((a, b) => a.at.localeCompare(b.at));
}

/** The day view (issue 16 §8): where the user's devices were, how they moved, which apps were used. */
export default async function DayPage({ params }: { params: Promise<{ date: string }> }) {
  const { date: requested } = await params;
  const timeZone = await readerZone();
  if (requested === 'today') redirect(`/devices/day/${todayIn(timeZone)}`);
  if (!isDate(requested)) notFound();
  const date = requested;
  let result = await load(() => getDay(date, timeZone));
  // A zone the hub does not know (an old browser's alias): the day in UTC rather than nothing.
  if (!result.ok && timeZone !== 'UTC') result = await load(() => getDay(date, 'UTC'));
  const devices = await load(listDevices);
  const summaries = await load(getAppUsageSettings);
  const deviceNames = new Map(devices.ok ? devices.data.map((d) => [d.id, d.name]) : []);
  const isToday = date === todayIn(timeZone);

  return (
    <>
      <TimeZoneCookie used={timeZone} />
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/devices" className="text-muted-foreground underline-offset-4 hover:underline">
          Devices
        </Link>
      </nav>
      <PageHeader
        title={longDate(date)}
        description={`Places, moves and apps of your devices on this day${isToday ? ' (today, so far)' : ''}. Times in ${result.ok ? result.data.timeZone : timeZone}.`}
      />
      <div className="mb-6 flex flex-wrap items-end gap-x-4 gap-y-3">
        <nav aria-label="Days" className="flex flex-wrap gap-2">
          <Link
            href={`/devices/day/${shiftDate(date, -1)}`}
            className="inline-flex h-9 items-center gap-1 rounded-md border border-input px-3 text-sm hover:bg-accent"
          >
            <ChevronLeft className="size-4" aria-hidden="true" />
            Previous day
          </Link>
          <Link
            href={`/devices/day/${shiftDate(date, 1)}`}
            className="inline-flex h-9 items-center gap-1 rounded-md border border-input px-3 text-sm hover:bg-accent"
          >
            Next day
            <ChevronRight className="size-4" aria-hidden="true" />
          </Link>
          {!isToday && (
            <Link
              href={`/devices/day/${todayIn(timeZone)}`}
              className="inline-flex h-9 items-center rounded-md border border-input px-3 text-sm hover:bg-accent"
            >
              Today
            </Link>
          )}
        </nav>
        <DayPicker date={date} />
      </div>
      {!result.ok ? (
        <Problem message={result.error} />
      ) : (
        <DayBody
          day={result.data}
          deviceNames={deviceNames}
          isToday={isToday}
          summaryZone={summaries.ok ? summaries.data.timeZone : undefined}
        />
      )}
    </>
  );
}

function DayBody({
  day,
  deviceNames,
  isToday,
  summaryZone,
}: {
  day: DeviceDay;
  deviceNames: Map<string, string>;
  isToday: boolean;
  summaryZone: string | undefined;
}) {
  const tz = day.timeZone;
  // Which device saw it matters only when more than one recorded places that day.
  const several = new Set([...day.visits.map((v) => v.deviceId), ...day.tracks.map((t) => t.deviceId)]).size > 1;
  const entries = timeline(day);
  const moved = day.moves.reduce((sum, m) => sum + m.distanceMeters, 0);
  const appTotal = day.apps.reduce((sum, a) => sum + a.seconds, 0);
  const longest = day.apps[0]?.seconds ?? 0;
  const by = (deviceId: string) => (several ? ` · ${deviceNames.get(deviceId) ?? 'device'}` : '');

  return (
    <div className="grid gap-10 [&>*]:min-w-0">
      <section aria-labelledby="places-heading" className="grid gap-3">
        <h2 id="places-heading" className="text-lg font-semibold">
          Places and moves
        </h2>
        {entries.length === 0 ? (
          <p className="text-muted-foreground">No locations recorded on this day.</p>
        ) : (
          <>
            <p className="text-sm text-muted-foreground">
              {day.visits.length} stop{day.visits.length === 1 ? '' : 's'}, {distance(moved)} travelled.
            </p>
            <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
              <ol aria-label="The day in order" className="grid gap-2">
                {entries.map((entry) =>
                  entry.kind === 'visit' ? (
                    <li
                      key={entry.visit.id}
                      className="grid gap-2 rounded-lg border border-border p-3"
                      aria-label={`${entry.visit.place?.name ?? 'Unnamed place'}, ${clock(entry.visit.startedAt, tz)} to ${clock(entry.visit.endedAt, tz)}`}
                    >
                      <div className="flex flex-wrap items-baseline justify-between gap-x-3">
                        <h3 className="font-medium">{entry.visit.place?.name ?? 'Unnamed place'}</h3>
                        <span className="text-sm tabular-nums text-muted-foreground">
                          {clock(entry.visit.startedAt, tz)}–{clock(entry.visit.endedAt, tz)}
                        </span>
                      </div>
                      <p className="text-sm text-muted-foreground">
                        {duration(entry.visit.durationSeconds)}
                        {entry.visit.ongoing ? ', still there at the last fix' : ''}
                        {entry.visit.place ? '' : ` · ${entry.visit.lat.toFixed(4)}, ${entry.visit.lon.toFixed(4)}`}
                        {by(entry.visit.deviceId)}
                      </p>
                      {!entry.visit.place && (
                        <NamePlace visitId={entry.visit.id} when={`the stop at ${clock(entry.visit.startedAt, tz)}`} />
                      )}
                    </li>
                  ) : (
                    <li
                      key={`${entry.move.deviceId}-${entry.move.from}`}
                      className="flex flex-wrap items-baseline justify-between gap-x-3 px-3 text-sm text-muted-foreground"
                    >
                      <span>
                        Moved {distance(entry.move.distanceMeters)} in {duration(entry.move.durationSeconds)}
                        {by(entry.move.deviceId)}
                      </span>
                      <span className="tabular-nums">
                        {clock(entry.move.from, tz)}–{clock(entry.move.to, tz)}
                      </span>
                    </li>
                  ),
                )}
              </ol>
              <DayTrack day={day} deviceNames={deviceNames} />
            </div>
          </>
        )}
      </section>
      <section aria-labelledby="apps-heading" className="grid gap-3">
        <h2 id="apps-heading" className="text-lg font-semibold">
          Apps used
        </h2>
        {summaryZone !== undefined && <SummaryZone summaryZone={summaryZone} readerZone={tz} />}
        {day.apps.length === 0 ? (
          <p className="text-muted-foreground">No app use recorded on this day.</p>
        ) : (
          <>
            <p className="text-sm text-muted-foreground">
              {duration(appTotal)} in the foreground.{' '}
              {day.appsFrom === 'summary'
                ? "From the day's stored summary, kept after the recorded events are deleted."
                : isToday
                  ? 'Counted from the events so far; the summary is stored after the day ends.'
                  : 'Counted from the recorded events.'}
            </p>
            <ul aria-label="Time per app" className="grid max-w-2xl gap-2">
              {day.apps.map((app) => (
                <li key={app.app} className="grid gap-1">
                  <div className="flex items-baseline justify-between gap-3 text-sm">
                    <span className="min-w-0 truncate font-medium">{app.app}</span>
                    <span className="shrink-0 tabular-nums text-muted-foreground">{duration(app.seconds)}</span>
                  </div>
                  <div aria-hidden="true" className="h-2 rounded-full bg-muted">
                    <div
                      className="h-2 rounded-full bg-primary"
                      style={{ width: `${Math.max(2, (app.seconds / longest) * 100)}%` }}
                    />
                  </div>
                  {app.titles && app.titles.length > 0 && (
                    <ul
                      aria-label={`Top windows in ${app.app}`}
                      className="grid gap-0.5 pl-3 text-xs text-muted-foreground"
                    >
                      {app.titles.map((title) => (
                        <li key={title.title} className="flex justify-between gap-3">
                          <span className="min-w-0 truncate">{title.title}</span>
                          <span className="shrink-0 tabular-nums">{duration(title.seconds)}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
