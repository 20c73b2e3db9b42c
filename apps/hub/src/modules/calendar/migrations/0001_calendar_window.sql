-- Calendar windows (issue 13 §7): "which events overlap [from, to)" is one GiST range scan
-- over calendar_event entities instead of a walk through every event the owner has.

-- An instant written with its offset, or a date (YYYY-MM-DD) read as UTC midnight: the same
-- whatever the session's TimeZone, so it may be indexed. All-day dates are widened by the
-- query (±14 h) and settled in the hub in the reader's zone.
CREATE OR REPLACE FUNCTION public.calendar_instant(value text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(value) = 10 THEN (value || 'T00:00:00Z')::timestamptz ELSE value::timestamptz END
$$;

-- The span an event covers: [startsAt, endsAt], an event without an end is an instant.
-- greatest() keeps the range valid even for an end written before its start.
CREATE OR REPLACE FUNCTION public.calendar_span(properties jsonb) RETURNS tstzrange
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT tstzrange(
    public.calendar_instant(properties ->> 'startsAt'),
    greatest(
      public.calendar_instant(properties ->> 'startsAt'),
      public.calendar_instant(coalesce(properties ->> 'endsAt', properties ->> 'startsAt'))
    ),
    '[]'
  )
$$;

REVOKE ALL ON FUNCTION public.calendar_instant(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.calendar_span(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.calendar_instant(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.calendar_span(jsonb) TO authenticated, service_role;

CREATE INDEX IF NOT EXISTS entities_calendar_span ON public.entities USING gist (public.calendar_span(properties))
  WHERE type = 'calendar_event' AND deleted_at IS NULL AND properties ? 'startsAt';

-- Local series masters are expanded in the hub: found by owner without a scan of every event.
CREATE INDEX IF NOT EXISTS entities_calendar_masters ON public.entities (owner_id)
  WHERE type = 'calendar_event' AND deleted_at IS NULL AND properties ->> 'kind' = 'master';
