-- Merge on import (issue 18 §1): the commit says what to do with contacts an existing person
-- already has by email or phone. 'suggest' (the default) creates them separately and suggests
-- the merges; 'merge' folds each into the existing person during the import job.
ALTER TABLE made_open.portability_imports
  ADD COLUMN IF NOT EXISTS duplicates text NOT NULL DEFAULT 'suggest' CHECK (duplicates IN ('suggest', 'merge'));

-- The merges an import made (graph's journalled merges, public.person_merges), written in the
-- batch transaction that made them: undo of the import undoes exactly these, newest first,
-- before it removes what the import created, so the existing persons are as they were.
CREATE TABLE IF NOT EXISTS made_open.portability_import_merges (
  import_id uuid NOT NULL REFERENCES made_open.portability_imports (id) ON DELETE CASCADE,
  merge_id uuid NOT NULL REFERENCES public.person_merges (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  PRIMARY KEY (import_id, merge_id)
);
CREATE INDEX IF NOT EXISTS portability_import_merges_merge ON made_open.portability_import_merges (merge_id);

ALTER TABLE made_open.portability_import_merges ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.portability_import_merges FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS portability_import_merges_own ON made_open.portability_import_merges;
CREATE POLICY portability_import_merges_own ON made_open.portability_import_merges FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.portability_import_merges TO authenticated, service_role;
