-- Microsoft 365 (connectors/msgraph, issue 13).

-- A connection whose sign-in expired or was revoked waits for its owner to sign in again;
-- its sync pauses and keeps its cursor.
ALTER TABLE made_open.connections DROP CONSTRAINT IF EXISTS connections_status_check;
ALTER TABLE made_open.connections ADD CONSTRAINT connections_status_check
  CHECK (status IN ('connecting', 'active', 'error', 'needs_reauth', 'disconnected'));

-- A sign-in in progress: the state is kept only as its SHA-256, the PKCE verifier sealed
-- under the wallet's keys; single-use (deleted when the callback takes it), 10 minutes.
CREATE TABLE IF NOT EXISTS made_open.msgraph_authorizations (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  state_hash text NOT NULL UNIQUE CHECK (char_length(state_hash) = 64),
  credential_id uuid NOT NULL,
  -- Set when signing in again to an existing connection.
  connection_id uuid REFERENCES made_open.connections (id) ON DELETE CASCADE,
  options jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (pg_column_size(options) <= 16384),
  redirect_uri text NOT NULL CHECK (char_length(redirect_uri) <= 2000),
  return_to text NOT NULL CHECK (char_length(return_to) <= 2000),
  verifier_sealed text NOT NULL,
  verifier_key text NOT NULL,
  kek_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS msgraph_authorizations_owner ON made_open.msgraph_authorizations (owner_id, created_at);

-- A connection's tokens, sealed like wallet secrets (envelope AES-256-GCM, bound to owner
-- and connection). The row is the refresh lock: refreshing takes it FOR UPDATE.
CREATE TABLE IF NOT EXISTS made_open.msgraph_tokens (
  connection_id uuid PRIMARY KEY REFERENCES made_open.connections (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  ciphertext text NOT NULL,
  wrapped_key text NOT NULL,
  kek_id text NOT NULL,
  access_expires_at timestamptz NOT NULL,
  scopes text NOT NULL DEFAULT '' CHECK (char_length(scopes) <= 2000),
  refreshed_at timestamptz,
  refresh_count integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What the connection saw of each Graph item: its change key (for write-back conflict
-- checks) and the sync generation it was last seen in (a full resync sweeps the older ones).
CREATE TABLE IF NOT EXISTS made_open.msgraph_items (
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  -- mail:<folder> | calendar | contacts
  resource text NOT NULL CHECK (char_length(resource) <= 600),
  external_id text NOT NULL CHECK (char_length(external_id) <= 1000),
  entity_type text NOT NULL CHECK (entity_type IN ('message', 'calendar_event', 'person')),
  change_key text CHECK (char_length(change_key) <= 1000),
  generation integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, external_id)
);
CREATE INDEX IF NOT EXISTS msgraph_items_sweep ON made_open.msgraph_items (connection_id, resource, generation);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['msgraph_authorizations', 'msgraph_tokens', 'msgraph_items'] LOOP
    EXECUTE format('ALTER TABLE made_open.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE made_open.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_own', t);
    EXECUTE format(
      'CREATE POLICY %I ON made_open.%I FOR ALL TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()))',
      t || '_own', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.%I TO authenticated, service_role', t);
  END LOOP;
END $$;
