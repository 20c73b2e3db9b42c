-- calendar.EventStarting (rules' "a calendar event starts in N minutes", calendar.starting.ts):
-- one row per occurrence start and lead time already announced, so each is emitted exactly
-- once across reruns of a minute, restarts and several hubs. The emitter inserts the row and
-- appends the event in one transaction (ON CONFLICT DO NOTHING: a second hub waits on the key,
-- then does nothing). A moved event has a new start: a new key, so it fires for its new time.
-- Rows for occurrences that began over a day ago are pruned each run (nothing fires for them then).
CREATE TABLE IF NOT EXISTS made_open.calendar_starting_sent (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  -- The calendar API's id of the occurrence: an entity id, or <series id>_<original start>.
  occurrence_id text NOT NULL CHECK (char_length(occurrence_id) BETWEEN 1 AND 100),
  starts_at timestamptz NOT NULL,
  minutes_before integer NOT NULL CHECK (minutes_before BETWEEN 0 AND 10080),
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, occurrence_id, starts_at, minutes_before)
);
CREATE INDEX IF NOT EXISTS calendar_starting_sent_prune ON made_open.calendar_starting_sent (starts_at);

ALTER TABLE made_open.calendar_starting_sent ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.calendar_starting_sent FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS calendar_starting_sent_own ON made_open.calendar_starting_sent;
CREATE POLICY calendar_starting_sent_own ON made_open.calendar_starting_sent FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, DELETE ON made_open.calendar_starting_sent TO authenticated, service_role;
