-- Timeline and reminders (issue 17 §3): read models over the graph's tables.

-- An instant written with its offset, or a date (YYYY-MM-DD) read as UTC midnight: the same
-- whatever the session's TimeZone, so it may be stored and indexed.
CREATE OR REPLACE FUNCTION public.timeline_instant(value text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(value) = 10 THEN (value || 'T00:00:00Z')::timestamptz ELSE value::timestamptz END
$$;

-- The instant a timeline orders an entity by: its own time, not when it reached the hub.
-- Messages and calls: occurred_at (sent, started); events: startsAt; tasks: dueAt; otherwise
-- occurred_at or the last edit (a note). Properties are validated by the hub's zod schemas
-- (date-times carry an offset), so the casts cannot fail and do not depend on the session.
CREATE OR REPLACE FUNCTION public.timeline_at_of(type text, properties jsonb, occurred_at timestamptz, updated_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN type = 'calendar_event' AND properties ? 'startsAt' THEN public.timeline_instant(properties ->> 'startsAt')
    WHEN type = 'task' AND properties ? 'dueAt' THEN public.timeline_instant(properties ->> 'dueAt')
    ELSE coalesce(occurred_at, updated_at)
  END
$$;

CREATE OR REPLACE FUNCTION public.timeline_at(e public.entities) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT public.timeline_at_of(e.type, e.properties, e.occurred_at, e.updated_at)
$$;

-- Each link carries the timeline instant of both ends (from_at, to_at), kept by the triggers
-- below, so a person's timeline is a walk down an index of their links newest first
-- (entity_links_timeline_to/_from) that stops after one page, instead of reading and sorting
-- every entity linked to them (a person with 20,000 texts: every page sorted 20,000 rows).
ALTER TABLE public.entity_links ADD COLUMN IF NOT EXISTS from_at timestamptz;
ALTER TABLE public.entity_links ADD COLUMN IF NOT EXISTS to_at timestamptz;

-- A person's own instant is never on a timeline (persons are left out of them): null, so
-- editing a person with thousands of links rewrites none of them.
CREATE OR REPLACE FUNCTION public.timeline_link_at(e public.entities) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN e.type = 'person' THEN NULL ELSE public.timeline_at(e) END
$$;

UPDATE public.entity_links l SET from_at = public.timeline_link_at(e) FROM public.entities e WHERE e.id = l.from_id;
UPDATE public.entity_links l SET to_at = public.timeline_link_at(e) FROM public.entities e WHERE e.id = l.to_id;

CREATE INDEX IF NOT EXISTS entity_links_timeline_to ON public.entity_links (owner_id, to_id, from_at DESC, from_id DESC);
CREATE INDEX IF NOT EXISTS entity_links_timeline_from ON public.entity_links (owner_id, from_id, to_at DESC, to_id DESC);

-- A new (or re-pointed) link takes the instants of its two ends. Runs as the caller: the
-- ends are the caller's own entities (the composite foreign keys), so RLS shows them.
CREATE OR REPLACE FUNCTION public.entity_links_set_times() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  SELECT public.timeline_link_at(e) INTO NEW.from_at FROM public.entities e WHERE e.id = NEW.from_id;
  SELECT public.timeline_link_at(e) INTO NEW.to_at FROM public.entities e WHERE e.id = NEW.to_id;
  RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS entity_links_set_times ON public.entity_links;
CREATE TRIGGER entity_links_set_times BEFORE INSERT OR UPDATE OF from_id, to_id ON public.entity_links
  FOR EACH ROW EXECUTE FUNCTION public.entity_links_set_times();

-- An entity whose instant moved (a note edited, an event rescheduled) moves on every timeline
-- it is on. Most updates (a message's delivery status) leave it alone and skip this, and so
-- does every change of a person.
CREATE OR REPLACE FUNCTION public.entities_move_link_times() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := public.timeline_at(NEW);
BEGIN
  UPDATE public.entity_links SET from_at = at WHERE owner_id = NEW.owner_id AND from_id = NEW.id;
  UPDATE public.entity_links SET to_at = at WHERE owner_id = NEW.owner_id AND to_id = NEW.id;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS entities_move_link_times ON public.entities;
CREATE TRIGGER entities_move_link_times AFTER UPDATE ON public.entities FOR EACH ROW
  WHEN (NEW.type <> 'person' AND public.timeline_at_of(OLD.type, OLD.properties, OLD.occurred_at, OLD.updated_at)
        IS DISTINCT FROM public.timeline_at_of(NEW.type, NEW.properties, NEW.occurred_at, NEW.updated_at))
  EXECUTE FUNCTION public.entities_move_link_times();

-- The reminder engine and the Today page read only the few persons that have a
-- stay-in-touch period, a birthday or anniversaries, not every person of the owner.
CREATE INDEX IF NOT EXISTS entities_stay_in_touch ON public.entities (owner_id)
  WHERE type = 'person' AND deleted_at IS NULL AND properties ? 'stayInTouchWeeks';
CREATE INDEX IF NOT EXISTS entities_occasions ON public.entities (owner_id)
  WHERE type = 'person' AND deleted_at IS NULL AND (properties ? 'birthday' OR properties ? 'anniversaries');
-- Open tasks, for Today.
CREATE INDEX IF NOT EXISTS entities_open_tasks ON public.entities (owner_id, updated_at)
  WHERE type = 'task' AND deleted_at IS NULL AND coalesce(properties ->> 'status', 'todo') NOT IN ('done', 'canceled');
