-- Per contact: a data class that overrides the type's for everything linked to that person
-- (their messages, calls, notes that mention them) and for the person entity itself.
CREATE TABLE IF NOT EXISTS made_open.ai_contact_classes (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  person_id uuid NOT NULL,
  data_class text NOT NULL CHECK (data_class IN ('normal', 'sensitive')),
  cloud_redacted boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, person_id),
  CONSTRAINT ai_contact_classes_person_fkey FOREIGN KEY (owner_id, person_id)
    REFERENCES public.entities (owner_id, id) ON DELETE CASCADE
);

ALTER TABLE made_open.ai_contact_classes ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_contact_classes FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ai_contact_classes_select_own ON made_open.ai_contact_classes;
CREATE POLICY ai_contact_classes_select_own ON made_open.ai_contact_classes
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_contact_classes_insert_own ON made_open.ai_contact_classes;
CREATE POLICY ai_contact_classes_insert_own ON made_open.ai_contact_classes
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_contact_classes_update_own ON made_open.ai_contact_classes;
CREATE POLICY ai_contact_classes_update_own ON made_open.ai_contact_classes
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_contact_classes_delete_own ON made_open.ai_contact_classes;
CREATE POLICY ai_contact_classes_delete_own ON made_open.ai_contact_classes
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.ai_contact_classes TO authenticated, service_role;
