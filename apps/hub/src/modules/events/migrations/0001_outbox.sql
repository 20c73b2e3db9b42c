-- Transactional outbox: events are written by the same transaction as the change they
-- describe, under the writer's RLS (a user can only emit events about themselves), and
-- relayed to the transport afterwards (DESIGN §4).
CREATE TABLE IF NOT EXISTS made_open.outbox (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  type text NOT NULL CHECK (type ~ '^[a-z][a-zA-Z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$'),
  subject text NOT NULL,
  actor jsonb NOT NULL,
  data jsonb NOT NULL,
  v integer NOT NULL DEFAULT 1,
  time timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Allocation order, not commit order: the relay must not treat it as a cursor alone.
  seq bigserial NOT NULL,
  published_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON made_open.outbox (seq) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_owner_seq ON made_open.outbox (owner_id, seq);

ALTER TABLE made_open.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.outbox FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS outbox_insert_own ON made_open.outbox;
CREATE POLICY outbox_insert_own ON made_open.outbox
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS outbox_select_own ON made_open.outbox;
CREATE POLICY outbox_select_own ON made_open.outbox
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));

-- Users may append and read their own events; nobody but the system may change them.
GRANT SELECT, INSERT ON made_open.outbox TO authenticated;
GRANT USAGE ON SEQUENCE made_open.outbox_seq_seq TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.outbox TO service_role;
GRANT USAGE ON SEQUENCE made_open.outbox_seq_seq TO service_role;
