-- Outlook's per-mailbox limits shared by every hub instance on this database (connectors/msgraph,
-- msgraph.limits.cluster.ts, ADR 0033). Used only on PostgreSQL with NATS; embedded PGlite keeps
-- them in memory (one instance).

-- A Retry-After Graph gave for a mailbox: every instance waits until it has passed. Instances
-- hear of a new pause over NATS at once; this row is for one that starts later or missed it.
CREATE TABLE IF NOT EXISTS made_open.msgraph_mailbox_pauses (
  connection_id uuid PRIMARY KEY REFERENCES made_open.connections (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  paused_until timestamptz NOT NULL
);

-- The mailbox's 4 request slots: one claimed per request in flight (a single UPDATE, no
-- transaction held over the HTTP request), given back after it. A claim expires unless its
-- instance renews it, so the slots of an instance that died come back on their own.
CREATE TABLE IF NOT EXISTS made_open.msgraph_mailbox_slots (
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  slot smallint NOT NULL CHECK (slot >= 0 AND slot < 4),
  -- The claiming instance (renews its claims) and the claim itself (only it gives the slot back).
  holder text CHECK (char_length(holder) <= 200),
  claim uuid,
  expires_at timestamptz,
  PRIMARY KEY (connection_id, slot)
);
CREATE INDEX IF NOT EXISTS msgraph_mailbox_slots_holder ON made_open.msgraph_mailbox_slots (holder)
  WHERE holder IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['msgraph_mailbox_pauses', 'msgraph_mailbox_slots'] LOOP
    EXECUTE format('ALTER TABLE made_open.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE made_open.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_own', t);
    EXECUTE format(
      'CREATE POLICY %I ON made_open.%I FOR ALL TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()))',
      t || '_own', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.%I TO authenticated, service_role', t);
  END LOOP;
END $$;
