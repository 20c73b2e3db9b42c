-- Hub edits of Outlook contacts made while their connection cannot write (connectors/msgraph,
-- msgraph.contacts-push.ts): the connection waits for its owner to sign in again, so the edit
-- is kept here, one row a person, and pushed with If-Match before the next sync page, so an
-- Outlook change made meanwhile becomes a recorded conflict, never a silent overwrite.
CREATE TABLE IF NOT EXISTS made_open.msgraph_pending_pushes (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  entity_id uuid NOT NULL REFERENCES public.entities (id) ON DELETE CASCADE,
  external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 500),
  -- The person's version the first unpushed edit made (a conflict's base, as for a direct push).
  base_version integer NOT NULL CHECK (base_version > 0),
  queued_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, entity_id)
);
CREATE INDEX IF NOT EXISTS msgraph_pending_pushes_owner ON made_open.msgraph_pending_pushes (owner_id);

ALTER TABLE made_open.msgraph_pending_pushes ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.msgraph_pending_pushes FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS msgraph_pending_pushes_own ON made_open.msgraph_pending_pushes;
CREATE POLICY msgraph_pending_pushes_own ON made_open.msgraph_pending_pushes FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.msgraph_pending_pushes TO authenticated, service_role;
