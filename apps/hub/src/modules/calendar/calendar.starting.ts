import type { EventData } from '@made-open/shared';
import { calendarEventStarting } from '@made-open/shared/calendar-events';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EventOutbox } from '../events/index.ts';
import { fieldsOfRow, localSource } from './calendar.events.ts';
import { expandSeries } from './calendar.recurrence.ts';
import { calendarRepository as repo, type EventRow } from './calendar.repository.ts';
import { floatingOfDate, instantOf, isDate, isoInZone } from './calendar.time.ts';

/**
 * calendar.EventStarting: "a calendar event starts in N minutes" for the lead times the
 * owners' enabled rules ask for (the rules module says which, through the composition root).
 * Run every minute (job `calendar.starting`) with the time it runs at; see README "Starting soon".
 */

export interface LeadTime {
  ownerId: string;
  minutesBefore: number;
}

export interface StartingDeps {
  db: Database;
  outbox: Pick<EventOutbox, 'append'>;
  logger: Logger;
  /** Each owner's lead times (minutesBefore) that enabled rules ask for. */
  leadTimes: () => Promise<LeadTime[]>;
}

/**
 * How late an announcement may still go out: the job missed its minute (a restart, a busy
 * worker), or a rule was saved just after its moment. Never later than the start itself (an
 * N = 0 announcement: within the minute the event starts), never more than N minutes late.
 */
export const lateGraceMs = 5 * 60_000;
const minuteMs = 60_000;
/** All-day dates are stored as UTC midnights: the scan is widened by the largest zone offsets. */
const zoneSlackMs = 14 * 3_600_000;

type StartingData = EventData<typeof calendarEventStarting.type>;

interface Found {
  row: EventRow;
  occurrenceId: string;
  seriesId: string | null;
  start: number;
  end: number | null;
}

/** When may an occurrence starting at `start` be announced N minutes ahead, given it is `now`? */
export function dueWindow(now: number, minutesBefore: number): { from: number; to: number } {
  // Starts in (from, to]: the moment (start - N) has come, at most the grace (and never past the start) ago.
  const to = now + minutesBefore * minuteMs;
  const grace = minutesBefore === 0 ? minuteMs : Math.min(lateGraceMs, minutesBefore * minuteMs);
  return { from: to - grace, to };
}

/** The instant an event's start names: all-day dates at midnight in the event's zone (UTC without one). */
function startOf(row: EventRow): { start: number; end: number | null; zone: string } {
  const fields = fieldsOfRow(row);
  const zone = fields.timeZone ?? 'UTC';
  const at = (value: string) => (isDate(value) ? instantOf(floatingOfDate(value), zone) : Date.parse(value));
  return { start: at(fields.startsAt), end: fields.endsAt ? at(fields.endsAt) : null, zone };
}

export function createStartingEmitter(deps: StartingDeps) {
  const { db, outbox, logger } = deps;

  /** The occurrences of the owner's live events starting in (from, to], hub series expanded. */
  async function startingIn(tx: Sql, from: number, to: number, masters: EventRow[], replaced: Set<string>) {
    const found: Found[] = [];
    const rows = await repo.startingBetween(tx, new Date(from).toISOString(), new Date(to).toISOString(), zoneSlackMs);
    for (const row of rows) {
      // Hub masters are expanded below; a provider's come expanded (their masters are never shown).
      if (row.properties.kind === 'master' || row.properties.status === 'cancelled') continue;
      const { start, end } = startOf(row);
      if (start <= from || start > to) continue;
      const seriesId =
        row.source === localSource && typeof row.properties.seriesId === 'string'
          ? (masters.find((m) => m.external_id === row.properties.seriesId)?.id ?? null)
          : null;
      found.push({ row, occurrenceId: row.id, seriesId, start, end });
    }
    for (const master of masters) {
      const fields = fieldsOfRow(master);
      const zone = fields.timeZone ?? 'UTC';
      let occurrences: ReturnType<typeof expandSeries>;
      try {
        occurrences = expandSeries({ ...fields, timeZone: zone, recurrence: fields.recurrence! }, from, to + minuteMs);
      } catch (error) {
        logger.warn({ err: error, eventId: master.id }, 'a series rule could not be expanded');
        continue;
      }
      for (const o of occurrences) {
        if (replaced.has(`${master.external_id}@${o.key}`)) continue; // moved or cancelled: its exception decides
        const start = fields.allDay ? instantOf(o.start, zone) : o.start;
        if (start <= from || start > to) continue;
        const end = fields.allDay ? instantOf(o.end, zone) : fields.endsAt === undefined ? null : o.end;
        found.push({ row: master, occurrenceId: `${master.id}_${o.key}`, seriesId: master.id, start, end });
      }
    }
    return found;
  }

  /** Announces one owner's occurrences due now, in one transaction as that owner; the number emitted. */
  async function forOwner(ownerId: string, leads: number[], now: number): Promise<number> {
    return db.asUser({ role: 'authenticated', sub: ownerId }, async (tx) => {
      const horizon = now + Math.max(...leads) * minuteMs + minuteMs;
      const masters = (await repo.localMasters(tx, localSource, new Date(horizon + zoneSlackMs).toISOString())).filter(
        (m) => typeof m.properties.recurrence === 'string',
      );
      const exceptions = await repo.exceptionsOf(
        tx,
        localSource,
        masters.map((m) => m.external_id!),
      );
      const replaced = new Set(exceptions.map((e) => e.external_id!));
      const due: (Found & { minutesBefore: number })[] = [];
      for (const minutesBefore of leads) {
        const { from, to } = dueWindow(now, minutesBefore);
        for (const found of await startingIn(tx, from, to, masters, replaced)) due.push({ ...found, minutesBefore });
      }
      if (due.length === 0) return 0;
      const people = await repo.attendees(tx, [...new Set(due.map((d) => d.row.id))]);
      let emitted = 0;
      for (const d of due) {
        const fields = fieldsOfRow(d.row);
        const zone = fields.timeZone ?? 'UTC';
        const startsAt = isoInZone(d.start, zone);
        const fresh = await repo.markStartingSent(tx, {
          ownerId,
          occurrenceId: d.occurrenceId,
          startsAt: new Date(d.start).toISOString(),
          minutesBefore: d.minutesBefore,
        });
        if (!fresh) continue;
        const myResponse = d.row.properties.myResponse;
        const data: StartingData = {
          eventId: d.row.id,
          occurrenceId: d.occurrenceId,
          seriesId: d.seriesId,
          title: d.row.title,
          startsAt,
          endsAt: d.end === null ? null : isoInZone(d.end, zone),
          timeZone: fields.timeZone ?? null,
          allDay: fields.allDay,
          location: fields.location ?? null,
          onlineMeetingUrl: fields.onlineMeetingUrl ?? null,
          attendeePersonIds: [...new Set(people.filter((p) => p.event_id === d.row.id).map((p) => p.person_id))],
          myResponse: typeof myResponse === 'string' ? (myResponse as StartingData['myResponse']) : null,
          source: d.row.source ?? localSource,
          minutesBefore: d.minutesBefore,
        };
        await outbox.append(tx, {
          type: calendarEventStarting.type,
          ownerId,
          subject: d.row.id,
          actor: { kind: 'system', id: 'calendar.starting' },
          data,
        });
        emitted++;
      }
      return emitted;
    });
  }

  return {
    /**
     * Announces every occurrence due at `at` for the lead times rules ask for, each exactly
     * once (a rerun of the same minute, another hub, a restart emit nothing new).
     */
    async run(at: Date): Promise<{ owners: number; emitted: number }> {
      const now = at.getTime();
      const byOwner = new Map<string, number[]>();
      for (const { ownerId, minutesBefore } of await deps.leadTimes())
        byOwner.set(ownerId, [...(byOwner.get(ownerId) ?? []), minutesBefore]);
      let emitted = 0;
      for (const [ownerId, leads] of byOwner) {
        try {
          emitted += await forOwner(ownerId, leads, now);
        } catch (error) {
          // One owner's bad data must not keep the others' reminders back.
          logger.error({ err: error, ownerId }, 'calendar starting-soon events failed for an owner');
        }
      }
      return { owners: byOwner.size, emitted };
    },

    /** Forgets announcements of occurrences that began over a day ago (they can never fire again), every owner's. */
    prune: (at: Date) =>
      db.asSystem((tx) => repo.pruneStartingSent(tx, new Date(at.getTime() - 86_400_000).toISOString())),
  };
}

export type StartingEmitter = ReturnType<typeof createStartingEmitter>;
