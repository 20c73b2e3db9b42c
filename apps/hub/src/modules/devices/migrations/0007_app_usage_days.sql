-- Daily app-usage summaries (issue 16 §5): derived from active_app / idle / screen events by the
-- devices.app-usage job and stored, so a day's usage outlives its raw events (retention).
-- Not graph entities (DESIGN §3: the series stays out of the graph; a usage total per day has
-- nothing to link to and would only crowd search and AI context). One row per owner and local day.
CREATE TABLE IF NOT EXISTS made_open.device_app_usage_days (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  date date NOT NULL,
  -- The zone whose midnight-to-midnight this day is, and the instants it spans (23-25 hours).
  time_zone text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  total_seconds integer NOT NULL CHECK (total_seconds >= 0),
  -- [{app, seconds, titles: [{title, seconds}]}], most used first.
  apps jsonb NOT NULL,
  -- Focus events (active_app, idle, screen) the summary was computed from.
  events integer NOT NULL CHECK (events >= 0),
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, date)
);

-- Per owner: the zone days are cut in, and the earliest focus event not yet summarised
-- (set by each upload that stores focus events, so a day re-summarises when late events for it arrive).
CREATE TABLE IF NOT EXISTS made_open.device_app_usage_state (
  owner_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  time_zone text NOT NULL DEFAULT 'UTC',
  pending_from timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Owners with focus events from before this migration: their days are summarised by the first run.
INSERT INTO made_open.device_app_usage_state (owner_id, pending_from)
SELECT owner_id, min(time) FROM made_open.device_events
WHERE type IN ('active_app', 'idle', 'screen')
GROUP BY owner_id
ON CONFLICT (owner_id) DO NOTHING;

ALTER TABLE made_open.device_app_usage_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_app_usage_days FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_app_usage_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_app_usage_state FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS device_app_usage_days_own ON made_open.device_app_usage_days;
CREATE POLICY device_app_usage_days_own ON made_open.device_app_usage_days FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS device_app_usage_state_own ON made_open.device_app_usage_state;
CREATE POLICY device_app_usage_state_own ON made_open.device_app_usage_state FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_app_usage_days TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_app_usage_state TO authenticated, service_role;
