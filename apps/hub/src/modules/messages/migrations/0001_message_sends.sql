-- POST /api/v1/messages idempotency (Idempotency-Key header): one row per owner and key. A
-- retried request with the same key and body gets the stored answer; another body is refused.
CREATE TABLE IF NOT EXISTS made_open.message_sends (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
  -- sha256 of the request body as validated: the same key with another body is a 422.
  request_hash text NOT NULL CHECK (char_length(request_hash) = 64),
  -- pending: a send is in flight (or was cut off); done: response holds the answer given.
  state text NOT NULL CHECK (state IN ('pending', 'done')),
  status_code integer CHECK (status_code BETWEEN 200 AND 599),
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, idempotency_key)
);

ALTER TABLE made_open.message_sends ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.message_sends FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS message_sends_select_own ON made_open.message_sends;
CREATE POLICY message_sends_select_own ON made_open.message_sends
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_sends_insert_own ON made_open.message_sends;
CREATE POLICY message_sends_insert_own ON made_open.message_sends
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_sends_update_own ON made_open.message_sends;
CREATE POLICY message_sends_update_own ON made_open.message_sends
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_sends_delete_own ON made_open.message_sends;
CREATE POLICY message_sends_delete_own ON made_open.message_sends
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.message_sends TO authenticated, service_role;
