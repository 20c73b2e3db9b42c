-- Takeouts (issue 18 §3): one archive of everything an owner has, built by a background job
-- under DATA_DIR/portability, downloadable once (then the file is deleted).
CREATE TABLE IF NOT EXISTS made_open.portability_takeouts (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'ready', 'downloaded', 'failed')),
  progress_done integer NOT NULL DEFAULT 0,
  progress_total integer NOT NULL DEFAULT 0,
  byte_size bigint,
  manifest jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  ready_at timestamptz,
  downloaded_at timestamptz
);
CREATE INDEX IF NOT EXISTS portability_takeouts_owner ON made_open.portability_takeouts (owner_id, created_at DESC);

ALTER TABLE made_open.portability_takeouts ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.portability_takeouts FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS portability_takeouts_own ON made_open.portability_takeouts;
CREATE POLICY portability_takeouts_own ON made_open.portability_takeouts FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.portability_takeouts TO authenticated, service_role;
