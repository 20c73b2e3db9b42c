-- A hub deletion of an Outlook contact (connectors/msgraph, msgraph.contacts-delete.ts) is
-- kept here before it is sent, so a hub restart, a Graph outage or a lost sign-in does not
-- lose it: the row goes once Outlook answered (deleted, already gone, or a recorded
-- conflict), and the next sync page sends what is left first. One row a person: a deletion
-- takes the place of an edit still waiting to be pushed (there is nothing left to edit).
ALTER TABLE made_open.msgraph_pending_pushes ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'update';
ALTER TABLE made_open.msgraph_pending_pushes DROP CONSTRAINT IF EXISTS msgraph_pending_pushes_kind;
ALTER TABLE made_open.msgraph_pending_pushes ADD CONSTRAINT msgraph_pending_pushes_kind
  CHECK (kind IN ('update', 'delete'));
