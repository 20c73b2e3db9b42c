-- Visits (issue 16 §5): stays detected in a device's location events, kept out of the graph
-- but pointing at the owner's place entity they lie in. Derived incrementally by each upload
-- (devices.visits.ts) from the per-device state below, so no upload rescans the series.
CREATE TABLE IF NOT EXISTS made_open.device_visits (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  device_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL CHECK (ended_at >= started_at),
  -- The device's newest fix is still inside this stay.
  ongoing boolean NOT NULL DEFAULT false,
  lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
  lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
  samples integer NOT NULL CHECK (samples > 0),
  place_id uuid,
  FOREIGN KEY (owner_id, device_id) REFERENCES made_open.devices (owner_id, id) ON DELETE CASCADE,
  -- A place the owner deletes for good unlinks its visits; a soft delete is hidden by the reads.
  FOREIGN KEY (owner_id, place_id) REFERENCES public.entities (owner_id, id) ON DELETE SET NULL (place_id)
);
CREATE INDEX IF NOT EXISTS device_visits_owner_time ON made_open.device_visits (owner_id, started_at);
CREATE INDEX IF NOT EXISTS device_visits_device_end ON made_open.device_visits (device_id, ended_at);

-- Per device: where the stay detector stands. The candidate stay (its first fix, newest fix,
-- count and coordinate sums for the centre), the visit it became (if it lasted long enough),
-- and the newest fix processed: a fix older than that arrived late and makes the detector
-- replay from the last finished visit before it.
CREATE TABLE IF NOT EXISTS made_open.device_stay_state (
  device_id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  started_at timestamptz NOT NULL,
  last_at timestamptz NOT NULL,
  samples integer NOT NULL,
  sum_lat double precision NOT NULL,
  sum_lon double precision NOT NULL,
  visit_id uuid,
  FOREIGN KEY (owner_id, device_id) REFERENCES made_open.devices (owner_id, id) ON DELETE CASCADE
);

ALTER TABLE made_open.device_visits ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_visits FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_stay_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_stay_state FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS device_visits_own ON made_open.device_visits;
CREATE POLICY device_visits_own ON made_open.device_visits FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS device_stay_state_own ON made_open.device_stay_state;
CREATE POLICY device_stay_state_own ON made_open.device_stay_state FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_visits TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_stay_state TO authenticated, service_role;
