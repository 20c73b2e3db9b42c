-- The merge journal (issue 17): every merge of two persons records what it changed, so
-- POST /api/v1/persons/merges/:id/undo can put both persons, their identifiers and every
-- link (including those other entities made to the merged person) back as they were.
CREATE TABLE IF NOT EXISTS public.person_merges (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  survivor_id uuid NOT NULL,
  merged_id uuid NOT NULL,
  -- Before the merge: both entity rows (title, body, properties, occurred_at, ...), every
  -- link touching the merged person (id, kind, from_id, to_id, created_at), its
  -- identifiers (id, kind, value, created_at), the links dropped and the earlier tombstones
  -- repointed from it to the survivor.
  before jsonb NOT NULL CHECK (jsonb_typeof(before) = 'object'),
  -- The survivor's body and properties right after the merge: undo restores the old ones
  -- only where nobody changed them since.
  after jsonb NOT NULL CHECK (jsonb_typeof(after) = 'object'),
  actor jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  undone_at timestamptz,
  CONSTRAINT person_merges_not_self CHECK (survivor_id <> merged_id),
  CONSTRAINT person_merges_survivor_fkey FOREIGN KEY (owner_id, survivor_id) REFERENCES public.entities (owner_id, id) ON DELETE CASCADE,
  CONSTRAINT person_merges_merged_fkey FOREIGN KEY (owner_id, merged_id) REFERENCES public.entities (owner_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS person_merges_owner_created ON public.person_merges (owner_id, created_at DESC, id);
CREATE INDEX IF NOT EXISTS person_merges_merged ON public.person_merges (owner_id, merged_id);

ALTER TABLE public.person_merges ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.person_merges FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS person_merges_select_own ON public.person_merges;
CREATE POLICY person_merges_select_own ON public.person_merges
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_merges_insert_own ON public.person_merges;
CREATE POLICY person_merges_insert_own ON public.person_merges
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_merges_update_own ON public.person_merges;
CREATE POLICY person_merges_update_own ON public.person_merges
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_merges_delete_own ON public.person_merges;
CREATE POLICY person_merges_delete_own ON public.person_merges
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

REVOKE ALL ON public.person_merges FROM anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.person_merges TO authenticated, service_role;
