-- Retention, downsampling and budgets per source (issue 16 §4), set by the owner. A source
-- without a row keeps the defaults in devices.retention.ts. The retention job walks each
-- downsampled source forward from downsampled_until, so old data is thinned once.
CREATE TABLE IF NOT EXISTS made_open.device_retention (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('location', 'wifi', 'active_app', 'idle', 'clipboard', 'call_log', 'battery', 'screen')),
  raw_days integer NOT NULL CHECK (raw_days BETWEEN 1 AND 3650),
  -- null: raw events are deleted after raw_days; else thinned to one per device per bucket.
  downsample_minutes integer CHECK (downsample_minutes BETWEEN 1 AND 1440),
  -- With downsampling: thinned events are deleted after keep_days (null keeps them).
  keep_days integer CHECK (keep_days BETWEEN 1 AND 36500),
  budget_bytes bigint CHECK (budget_bytes > 0),
  downsampled_until timestamptz,
  over_budget_notified_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, type),
  CHECK (keep_days IS NULL OR (downsample_minutes IS NOT NULL AND keep_days >= raw_days))
);

ALTER TABLE made_open.device_retention ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_retention FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS device_retention_own ON made_open.device_retention;
CREATE POLICY device_retention_own ON made_open.device_retention FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_retention TO authenticated, service_role;
