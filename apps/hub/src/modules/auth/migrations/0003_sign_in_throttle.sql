-- Failed sign-ins per account, so repeated guessing is slowed down per email as well as
-- per IP, on every instance and across restarts. Keyed by the SHA-256 of the normalised
-- email, for addresses with and without an account alike (the answer must not tell them
-- apart), so the table holds no address in clear.
CREATE TABLE IF NOT EXISTS made_open.auth_sign_in_failures (
  email_hash bytea PRIMARY KEY CHECK (octet_length(email_hash) = 32),
  -- Attempts in the current window; an attempt counts before its password is checked,
  -- so parallel guesses cannot all slip in before the first one is recorded.
  failures integer NOT NULL CHECK (failures >= 0),
  -- Delays imposed so far in this window: the next one is twice as long (capped).
  lockouts integer NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
  last_failed_at timestamptz NOT NULL,
  locked_until timestamptz
);
CREATE INDEX IF NOT EXISTS auth_sign_in_failures_last ON made_open.auth_sign_in_failures (last_failed_at);

-- Only the auth service (service_role) reads or writes it: no request role may learn which
-- addresses are under attack, or clear a delay.
ALTER TABLE made_open.auth_sign_in_failures ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_sign_in_failures FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS auth_sign_in_failures_system ON made_open.auth_sign_in_failures;
CREATE POLICY auth_sign_in_failures_system ON made_open.auth_sign_in_failures
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.auth_sign_in_failures FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_sign_in_failures TO service_role;

-- Every request now checks its session here: an ended session must stay ended. Users may
-- still end their own sessions, but no longer bring one back.
DROP POLICY IF EXISTS auth_sessions_update_own ON made_open.auth_sessions;
CREATE POLICY auth_sessions_update_own ON made_open.auth_sessions
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()) AND revoked_at IS NOT NULL);
