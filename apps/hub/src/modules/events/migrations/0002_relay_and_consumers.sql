-- Publication order. The relay (one at a time, under a transaction-scoped advisory lock)
-- stamps published_at and pub_seq on rows that are committed and visible, oldest seq first.
-- pub_seq is therefore a commit-safe cursor: a row whose transaction committed late gets a
-- later pub_seq instead of being skipped. The embedded transport, GET /api/v1/events and the
-- consumers' cursors all read in pub_seq order.
CREATE SEQUENCE IF NOT EXISTS made_open.outbox_pub_seq;
ALTER TABLE made_open.outbox ADD COLUMN IF NOT EXISTS pub_seq bigint;
CREATE UNIQUE INDEX IF NOT EXISTS outbox_pub_seq ON made_open.outbox (pub_seq) WHERE pub_seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS outbox_owner_pub_seq ON made_open.outbox (owner_id, pub_seq) WHERE pub_seq IS NOT NULL;
GRANT USAGE, SELECT ON SEQUENCE made_open.outbox_pub_seq TO service_role;

-- Embedded transport: each durable consumer's cursor (the last pub_seq it has passed).
CREATE TABLE IF NOT EXISTS made_open.event_consumers (
  name text PRIMARY KEY,
  cursor bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Failed deliveries waiting for a retry (attempts so far, when to try again, last error).
-- The embedded transport redelivers from here; on NATS it records the attempts JetStream
-- redelivers, so both transports show failures the same way.
CREATE TABLE IF NOT EXISTS made_open.event_failures (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  owner_id uuid NOT NULL,
  type text NOT NULL,
  attempts integer NOT NULL,
  last_error text NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS event_failures_due ON made_open.event_failures (consumer, next_attempt_at);

-- Idempotent consumers: written in the same transaction as the handler's effect.
CREATE TABLE IF NOT EXISTS made_open.processed_events (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Events a consumer gave up on after its maximum attempts.
CREATE TABLE IF NOT EXISTS made_open.event_dead_letters (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  owner_id uuid NOT NULL,
  type text NOT NULL,
  event jsonb NOT NULL,
  attempts integer NOT NULL,
  last_error text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS event_dead_letters_owner ON made_open.event_dead_letters (owner_id, failed_at);

-- System bookkeeping: only the relay and the consumers (service_role) touch these. Owners
-- may read the dead letters of their own events.
ALTER TABLE made_open.event_consumers ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.event_consumers FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.event_failures ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.event_failures FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.processed_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.processed_events FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.event_dead_letters ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.event_dead_letters FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS event_consumers_system ON made_open.event_consumers;
CREATE POLICY event_consumers_system ON made_open.event_consumers FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS event_failures_system ON made_open.event_failures;
CREATE POLICY event_failures_system ON made_open.event_failures FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS processed_events_system ON made_open.processed_events;
CREATE POLICY processed_events_system ON made_open.processed_events FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS event_dead_letters_system ON made_open.event_dead_letters;
CREATE POLICY event_dead_letters_system ON made_open.event_dead_letters FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS event_dead_letters_select_own ON made_open.event_dead_letters;
CREATE POLICY event_dead_letters_select_own ON made_open.event_dead_letters
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.event_consumers TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.event_failures TO service_role;
GRANT SELECT, INSERT, DELETE ON made_open.processed_events TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.event_dead_letters TO service_role;
GRANT SELECT ON made_open.event_dead_letters TO authenticated;
