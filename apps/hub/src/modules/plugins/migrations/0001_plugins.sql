-- Installed plugins (one row per user and plugin), their key-value storage and run log.
CREATE TABLE IF NOT EXISTS made_open.plugin_installations (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  plugin_id text NOT NULL CHECK (plugin_id ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
  version text NOT NULL,
  manifest jsonb NOT NULL,
  bundle text NOT NULL,
  bundle_sha256 text NOT NULL,
  -- pending_consent: installed or upgraded, waiting for the user to grant what it asks.
  status text NOT NULL CHECK (status IN ('pending_consent', 'enabled', 'disabled')),
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Credential name (from the manifest) -> { credentialId, handle }.
  credential_bindings jsonb NOT NULL DEFAULT '{}'::jsonb,
  installed_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, plugin_id)
);

CREATE TABLE IF NOT EXISTS made_open.plugin_storage (
  owner_id uuid NOT NULL,
  plugin_id text NOT NULL,
  key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, plugin_id, key),
  FOREIGN KEY (owner_id, plugin_id) REFERENCES made_open.plugin_installations (owner_id, plugin_id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS made_open.plugin_runs (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  plugin_id text NOT NULL,
  version text NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('event', 'schedule', 'manual')),
  trigger_ref text,
  started_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'error', 'timeout', 'memory', 'killed', 'refused')),
  error text CHECK (char_length(error) <= 1000),
  FOREIGN KEY (owner_id, plugin_id) REFERENCES made_open.plugin_installations (owner_id, plugin_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS plugin_runs_recent ON made_open.plugin_runs (owner_id, plugin_id, started_at DESC);

DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['plugin_installations', 'plugin_storage', 'plugin_runs'] LOOP
    EXECUTE format('ALTER TABLE made_open.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE made_open.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_select_own', t);
    EXECUTE format('CREATE POLICY %I ON made_open.%I FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()))', t || '_select_own', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_insert_own', t);
    EXECUTE format('CREATE POLICY %I ON made_open.%I FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()))', t || '_insert_own', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_update_own', t);
    EXECUTE format('CREATE POLICY %I ON made_open.%I FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()))', t || '_update_own', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_delete_own', t);
    EXECUTE format('CREATE POLICY %I ON made_open.%I FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()))', t || '_delete_own', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.%I TO authenticated, service_role', t);
  END LOOP;
END
$rls$;
