-- TOTP second factors (GoTrue's /factors), their challenges, and one-use recovery codes.
-- Kept under made_open (not Supabase's auth.mfa_factors), so a hub beside a real GoTrue
-- never writes into GoTrue's own tables.
CREATE TABLE IF NOT EXISTS made_open.auth_mfa_factors (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  friendly_name text CHECK (char_length(friendly_name) <= 120),
  factor_type text NOT NULL DEFAULT 'totp' CHECK (factor_type = 'totp'),
  status text NOT NULL DEFAULT 'unverified' CHECK (status IN ('unverified', 'verified')),
  -- The TOTP shared secret (base32). The hub must read it to check codes; only the service does.
  secret text NOT NULL,
  -- The last time step whose code was accepted: a code works once (RFC 6238 section 5.2).
  last_used_step bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS auth_mfa_factors_owner ON made_open.auth_mfa_factors (owner_id);
-- Two factors of one user may not share a name (GoTrue's rule), unnamed ones aside.
CREATE UNIQUE INDEX IF NOT EXISTS auth_mfa_factors_name ON made_open.auth_mfa_factors (owner_id, friendly_name)
  WHERE friendly_name IS NOT NULL AND friendly_name <> '';

CREATE TABLE IF NOT EXISTS made_open.auth_mfa_challenges (
  id uuid PRIMARY KEY,
  factor_id uuid NOT NULL REFERENCES made_open.auth_mfa_factors (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz
);
CREATE INDEX IF NOT EXISTS auth_mfa_challenges_factor ON made_open.auth_mfa_challenges (factor_id);

-- Only SHA-256 hashes: the codes are shown once, at generation.
CREATE TABLE IF NOT EXISTS made_open.auth_mfa_recovery_codes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  code_hash bytea NOT NULL CHECK (octet_length(code_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  UNIQUE (owner_id, code_hash)
);

-- A session raised to aal2: when, and by which method (amr). Its password time is created_at.
ALTER TABLE made_open.auth_sessions ADD COLUMN IF NOT EXISTS aal2_at timestamptz;
ALTER TABLE made_open.auth_sessions ADD COLUMN IF NOT EXISTS aal2_method text
  CHECK (aal2_method IN ('totp', 'recovery_code'));

ALTER TABLE made_open.auth_mfa_factors ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_mfa_factors FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_mfa_challenges ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_mfa_challenges FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_mfa_recovery_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_mfa_recovery_codes FORCE ROW LEVEL SECURITY;

-- Users read their own factors (never the secret) and recovery-code bookkeeping (never the
-- hashes); every change goes through the auth service (service_role), which checks codes.
DROP POLICY IF EXISTS auth_mfa_factors_select_own ON made_open.auth_mfa_factors;
CREATE POLICY auth_mfa_factors_select_own ON made_open.auth_mfa_factors
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS auth_mfa_factors_system ON made_open.auth_mfa_factors;
CREATE POLICY auth_mfa_factors_system ON made_open.auth_mfa_factors
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.auth_mfa_factors FROM PUBLIC, anon, authenticated;
GRANT SELECT (id, owner_id, friendly_name, factor_type, status, created_at, updated_at)
  ON made_open.auth_mfa_factors TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_mfa_factors TO service_role;

DROP POLICY IF EXISTS auth_mfa_challenges_select_own ON made_open.auth_mfa_challenges;
CREATE POLICY auth_mfa_challenges_select_own ON made_open.auth_mfa_challenges
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS auth_mfa_challenges_system ON made_open.auth_mfa_challenges;
CREATE POLICY auth_mfa_challenges_system ON made_open.auth_mfa_challenges
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.auth_mfa_challenges FROM PUBLIC, anon, authenticated;
GRANT SELECT ON made_open.auth_mfa_challenges TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_mfa_challenges TO service_role;

DROP POLICY IF EXISTS auth_mfa_recovery_codes_select_own ON made_open.auth_mfa_recovery_codes;
CREATE POLICY auth_mfa_recovery_codes_select_own ON made_open.auth_mfa_recovery_codes
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS auth_mfa_recovery_codes_system ON made_open.auth_mfa_recovery_codes;
CREATE POLICY auth_mfa_recovery_codes_system ON made_open.auth_mfa_recovery_codes
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.auth_mfa_recovery_codes FROM PUBLIC, anon, authenticated;
GRANT SELECT (id, owner_id, created_at, used_at) ON made_open.auth_mfa_recovery_codes TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_mfa_recovery_codes TO service_role;
