-- A live event's start and end as plain columns, so a window read under RLS can use an index.
-- The span test of 0001 (`calendar_span(properties) && range`) is not leakproof: under the
-- reader's policy PostgreSQL may not run it inside an index scan, so every read of a week
-- evaluated calendar_instant over all of the reader's calendar rows (docs/BENCHMARKS.md,
-- twenty-first and twenty-second sessions). Comparisons of timestamptz columns are leakproof.
--
-- Generated from the same expressions and for exactly the rows entities_calendar_span held
-- (live calendar events with a start), so no existing row can fail to compute. Adding a
-- stored column rewrites public.entities once.
ALTER TABLE public.entities
  ADD COLUMN IF NOT EXISTS calendar_starts_at timestamptz GENERATED ALWAYS AS (
    CASE WHEN type = 'calendar_event' AND deleted_at IS NULL AND properties ? 'startsAt'
      THEN public.calendar_instant(properties ->> 'startsAt') END
  ) STORED,
  ADD COLUMN IF NOT EXISTS calendar_ends_at timestamptz GENERATED ALWAYS AS (
    CASE WHEN type = 'calendar_event' AND deleted_at IS NULL AND properties ? 'startsAt'
      THEN greatest(
        public.calendar_instant(properties ->> 'startsAt'),
        public.calendar_instant(coalesce(properties ->> 'endsAt', properties ->> 'startsAt'))
      ) END
  ) STORED;

-- A reader's window: the events ending at or after its start (most of a calendar's rows are
-- its past), their start tested on the row.
CREATE INDEX IF NOT EXISTS entities_calendar_ends ON public.entities (owner_id, calendar_ends_at)
  WHERE calendar_ends_at IS NOT NULL;
-- "Which events start in the next minutes", across every owner (calendar.starting.ts).
CREATE INDEX IF NOT EXISTS entities_calendar_starts ON public.entities (calendar_starts_at)
  WHERE calendar_starts_at IS NOT NULL;
-- Both of its readers now use the columns.
DROP INDEX IF EXISTS public.entities_calendar_span;
DROP FUNCTION IF EXISTS public.calendar_span(jsonb);
