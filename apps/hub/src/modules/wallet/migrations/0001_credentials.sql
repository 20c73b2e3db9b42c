-- The Credential Wallet: one row per credential. The secret is sealed (AES-256-GCM under a
-- per-secret data key, wrapped by the hub's key-encryption key); only masked hints are kept
-- in clear. AAD binds both ciphertexts to owner_id and id.
CREATE TABLE IF NOT EXISTS made_open.credentials (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('twilio', 'openrouter', 'microsoft', 'ollama', 'generic')),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  hints jsonb NOT NULL DEFAULT '{}'::jsonb,
  fields text[] NOT NULL DEFAULT '{}',
  ciphertext text NOT NULL,
  wrapped_key text NOT NULL,
  kek_id text NOT NULL,
  last_tested_at timestamptz,
  last_test_ok boolean,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS credentials_owner ON made_open.credentials (owner_id, type);
CREATE INDEX IF NOT EXISTS credentials_kek ON made_open.credentials (kek_id);

ALTER TABLE made_open.credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.credentials FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS credentials_select_own ON made_open.credentials;
CREATE POLICY credentials_select_own ON made_open.credentials
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS credentials_insert_own ON made_open.credentials;
CREATE POLICY credentials_insert_own ON made_open.credentials
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS credentials_update_own ON made_open.credentials;
CREATE POLICY credentials_update_own ON made_open.credentials
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS credentials_delete_own ON made_open.credentials;
CREATE POLICY credentials_delete_own ON made_open.credentials
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.credentials TO authenticated, service_role;
