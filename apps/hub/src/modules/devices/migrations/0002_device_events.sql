-- Device events (issue 16 §2, DESIGN §3): a high-volume time series kept out of the graph.
-- Rows arrive roughly in time order, so a BRIN index on the corrected time answers range
-- reads at a sliver of a btree's size and insert cost. The primary key is the idempotency
-- key: a client's event id per device.
CREATE TABLE IF NOT EXISTS made_open.device_events (
  device_id uuid NOT NULL,
  event_id text NOT NULL,
  owner_id uuid NOT NULL,
  type text NOT NULL,
  -- As the device's clock said, and corrected by the batch's skew against receipt.
  device_time timestamptz NOT NULL,
  time timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  seq bigint,
  data jsonb NOT NULL,
  PRIMARY KEY (device_id, event_id),
  FOREIGN KEY (owner_id, device_id) REFERENCES made_open.devices (owner_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS device_events_time_brin ON made_open.device_events USING brin (time) WITH (pages_per_range = 32);

-- Per device and type: counts, bytes and the newest event, kept by each upload in one
-- statement, so capture health and disk use never scan the series.
CREATE TABLE IF NOT EXISTS made_open.device_event_stats (
  device_id uuid NOT NULL,
  type text NOT NULL,
  owner_id uuid NOT NULL,
  events bigint NOT NULL DEFAULT 0,
  bytes bigint NOT NULL DEFAULT 0,
  last_time timestamptz,
  last_received_at timestamptz,
  -- Upload lag of the newest upload: receipt minus the newest event's corrected time.
  last_lag_ms bigint,
  PRIMARY KEY (device_id, type),
  FOREIGN KEY (owner_id, device_id) REFERENCES made_open.devices (owner_id, id) ON DELETE CASCADE
);

ALTER TABLE made_open.device_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_events FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_event_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_event_stats FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS device_events_own ON made_open.device_events;
CREATE POLICY device_events_own ON made_open.device_events FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS device_event_stats_own ON made_open.device_event_stats;
CREATE POLICY device_event_stats_own ON made_open.device_event_stats FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_events TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_event_stats TO authenticated, service_role;
