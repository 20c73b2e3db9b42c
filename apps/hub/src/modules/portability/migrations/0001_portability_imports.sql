-- Imports (issue 18 §1): an uploaded file, its preview, the background commit's progress and
-- its undo. The file itself lives under DATA_DIR/portability (never in the database); what the
-- import wrote carries source `import.<id>`, so undo removes exactly that.
CREATE TABLE IF NOT EXISTS made_open.portability_imports (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('vcard', 'csv', 'ics', 'mbox', 'eml')),
  file_name text NOT NULL CHECK (char_length(file_name) BETWEEN 1 AND 255),
  byte_size bigint NOT NULL CHECK (byte_size >= 0),
  status text NOT NULL CHECK (status IN ('previewed', 'queued', 'running', 'committed', 'failed', 'undone')),
  -- CSV only: the field each column maps to (csvFields in formats/csv.ts).
  mapping jsonb,
  preview jsonb NOT NULL,
  progress_done integer NOT NULL DEFAULT 0,
  progress_total integer NOT NULL DEFAULT 0,
  result jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  committed_at timestamptz,
  undone_at timestamptz
);
CREATE INDEX IF NOT EXISTS portability_imports_owner ON made_open.portability_imports (owner_id, created_at DESC);

ALTER TABLE made_open.portability_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.portability_imports FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS portability_imports_own ON made_open.portability_imports;
CREATE POLICY portability_imports_own ON made_open.portability_imports FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.portability_imports TO authenticated, service_role;
