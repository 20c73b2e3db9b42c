-- Persons a sync deleted because Outlook deleted their contact (@removed), kept a week: a hub
-- edit of that person whose push had not gone yet (its event still queued, or its first try
-- failed) finds the person deleted and its contact's msgraph_items row forgotten. This row says
-- the deletion was Outlook's (not the owner's) and which version a push last sent, so
-- msgraph.contacts-push.ts records the edit as a conflict instead of dropping it unseen.
CREATE TABLE IF NOT EXISTS made_open.msgraph_removed_contacts (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  entity_id uuid NOT NULL REFERENCES public.entities (id) ON DELETE CASCADE,
  external_id text NOT NULL CHECK (char_length(external_id) <= 1000),
  -- msgraph_items.pushed_version when the sync deleted the person (NULL: nothing pushed).
  pushed_version integer,
  removed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, entity_id)
);
CREATE INDEX IF NOT EXISTS msgraph_removed_contacts_entity ON made_open.msgraph_removed_contacts (entity_id);
CREATE INDEX IF NOT EXISTS msgraph_removed_contacts_owner ON made_open.msgraph_removed_contacts (owner_id);

ALTER TABLE made_open.msgraph_removed_contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.msgraph_removed_contacts FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS msgraph_removed_contacts_own ON made_open.msgraph_removed_contacts;
CREATE POLICY msgraph_removed_contacts_own ON made_open.msgraph_removed_contacts FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.msgraph_removed_contacts TO authenticated, service_role;
