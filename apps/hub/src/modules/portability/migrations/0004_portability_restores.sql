-- Takeout restores (issue 18 §3): the uploaded archive waits under DATA_DIR/portability for the
-- background job that restores it; the row keeps its progress (archive bytes read), and its
-- report or the refusal (HTTP status, code, message) once it is done.
CREATE TABLE IF NOT EXISTS made_open.portability_restores (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'restored', 'failed')),
  byte_size bigint NOT NULL CHECK (byte_size >= 0),
  progress_done bigint NOT NULL DEFAULT 0,
  report jsonb,
  error jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS portability_restores_owner ON made_open.portability_restores (owner_id, created_at DESC);

ALTER TABLE made_open.portability_restores ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.portability_restores FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS portability_restores_own ON made_open.portability_restores;
CREATE POLICY portability_restores_own ON made_open.portability_restores FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.portability_restores TO authenticated, service_role;
