-- Timeline and reminders (issue 17 §3): read models over the graph's tables, no new table.

-- The instant a timeline orders an entity by: its own time, not when it reached the hub.
-- Messages and calls: occurred_at (sent, started); events: startsAt; tasks: dueAt; otherwise
-- occurred_at or the last edit (a note). Properties are validated by the hub's zod schemas,
-- so the casts cannot fail. One SQL expression without SET: the planner inlines it.
CREATE OR REPLACE FUNCTION public.timeline_at(e public.entities) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN e.type = 'calendar_event' AND e.properties ? 'startsAt' THEN (e.properties ->> 'startsAt')::timestamptz
    WHEN e.type = 'task' AND e.properties ? 'dueAt' THEN (e.properties ->> 'dueAt')::timestamptz
    ELSE coalesce(e.occurred_at, e.updated_at)
  END
$$;

-- The reminder engine and the Today page read only the few persons that have a
-- stay-in-touch period, a birthday or anniversaries, not every person of the owner.
CREATE INDEX IF NOT EXISTS entities_stay_in_touch ON public.entities (owner_id)
  WHERE type = 'person' AND deleted_at IS NULL AND properties ? 'stayInTouchWeeks';
CREATE INDEX IF NOT EXISTS entities_occasions ON public.entities (owner_id)
  WHERE type = 'person' AND deleted_at IS NULL AND (properties ? 'birthday' OR properties ? 'anniversaries');
-- Open tasks, for Today.
CREATE INDEX IF NOT EXISTS entities_open_tasks ON public.entities (owner_id, updated_at)
  WHERE type = 'task' AND deleted_at IS NULL AND coalesce(properties ->> 'status', 'todo') NOT IN ('done', 'canceled');
