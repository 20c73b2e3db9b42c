-- Connections: one row per account (a number, a mailbox) a user connected through a
-- connector. No secret lives here: the credential stays in the wallet (credential_id) and
-- `state` holds only what the connector set up (ids), in clear.
CREATE TABLE IF NOT EXISTS made_open.connections (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9-]{1,39}$'),
  -- The wallet credential it uses (another module's row: checked in code, not by a key).
  credential_id uuid NOT NULL,
  options jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_column_size(options) <= 16384),
  -- The capabilities this connection configures (twilio: sms, voice), for the wallet.
  capabilities text[] NOT NULL DEFAULT '{}',
  account_id text CHECK (char_length(account_id) BETWEEN 1 AND 300),
  label text NOT NULL DEFAULT '' CHECK (char_length(label) <= 200),
  state jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_column_size(state) <= 16384),
  -- connecting: the connector is setting up; error: it needs the person (status_reason says why).
  status text NOT NULL CHECK (status IN ('connecting', 'active', 'error', 'disconnected')),
  status_reason text CHECK (char_length(status_reason) <= 1000),
  -- Where the last committed page left off (written in the page's own transaction).
  cursor jsonb,
  -- idle | queued (a job waits) | running (a run holds the lease sync_run_id, renewed each page).
  sync_state text NOT NULL DEFAULT 'idle' CHECK (sync_state IN ('idle', 'queued', 'running')),
  sync_job_id uuid,
  sync_run_id uuid,
  sync_phase text CHECK (sync_phase IN ('initial', 'incremental')),
  sync_heartbeat_at timestamptz,
  sync_requested_at timestamptz,
  -- The current (or last) run's counts: pages, items, created, updated, unchanged, percent.
  sync_progress jsonb NOT NULL DEFAULT '{}'::jsonb,
  items_synced bigint NOT NULL DEFAULT 0,
  -- Runs that failed since the last success.
  sync_failures integer NOT NULL DEFAULT 0,
  last_success_at timestamptz,
  last_error text CHECK (char_length(last_error) <= 1000),
  last_error_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disconnected_at timestamptz
);
-- One live connection per owner, provider and account.
CREATE UNIQUE INDEX IF NOT EXISTS connections_account
  ON made_open.connections (owner_id, provider, account_id)
  WHERE status <> 'disconnected' AND account_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS connections_owner ON made_open.connections (owner_id, created_at);

ALTER TABLE made_open.connections ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.connections FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS connections_select_own ON made_open.connections;
CREATE POLICY connections_select_own ON made_open.connections
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS connections_insert_own ON made_open.connections;
CREATE POLICY connections_insert_own ON made_open.connections
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS connections_update_own ON made_open.connections;
CREATE POLICY connections_update_own ON made_open.connections
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS connections_delete_own ON made_open.connections;
CREATE POLICY connections_delete_own ON made_open.connections
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.connections TO authenticated, service_role;
