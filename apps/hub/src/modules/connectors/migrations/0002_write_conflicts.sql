-- Write conflicts (issue 13 §5): an edit made in the hub met a provider copy that changed
-- since the hub last saw it. Nothing is overwritten: the hub's edit (`local`) and the
-- provider's copy (`remote`) wait here until the owner keeps one. Generic over entity types
-- (calendar events today, contacts next).
CREATE TABLE IF NOT EXISTS made_open.write_conflicts (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  -- The entity the edit was for (the graph's row: checked in code, not by a key).
  entity_id uuid NOT NULL,
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z][a-z_]{1,39}$'),
  -- The write-back capability that refused it (calendar, contacts) and through which connection.
  capability text NOT NULL CHECK (capability IN ('calendar', 'contacts')),
  connection_id uuid NOT NULL,
  source text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 64),
  external_id text NOT NULL CHECK (char_length(external_id) BETWEEN 1 AND 500),
  message text NOT NULL DEFAULT '' CHECK (char_length(message) <= 1000),
  -- The hub's edit (the fields it wanted to write) and the provider's current copy (an ingest item).
  local jsonb NOT NULL CHECK (jsonb_typeof(local) = 'object' AND pg_column_size(local) <= 1048576),
  remote jsonb NOT NULL CHECK (jsonb_typeof(remote) = 'object' AND pg_column_size(remote) <= 1048576),
  created_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolution text CHECK (resolution IN ('local', 'remote', 'superseded')),
  CONSTRAINT write_conflicts_resolved CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
-- At most one open conflict per entity: a newer one supersedes it.
CREATE UNIQUE INDEX IF NOT EXISTS write_conflicts_open
  ON made_open.write_conflicts (owner_id, entity_id) WHERE resolved_at IS NULL;
CREATE INDEX IF NOT EXISTS write_conflicts_owner ON made_open.write_conflicts (owner_id, created_at DESC, id);

ALTER TABLE made_open.write_conflicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.write_conflicts FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS write_conflicts_select_own ON made_open.write_conflicts;
CREATE POLICY write_conflicts_select_own ON made_open.write_conflicts
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS write_conflicts_insert_own ON made_open.write_conflicts;
CREATE POLICY write_conflicts_insert_own ON made_open.write_conflicts
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS write_conflicts_update_own ON made_open.write_conflicts;
CREATE POLICY write_conflicts_update_own ON made_open.write_conflicts
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS write_conflicts_delete_own ON made_open.write_conflicts;
CREATE POLICY write_conflicts_delete_own ON made_open.write_conflicts
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.write_conflicts TO authenticated, service_role;
