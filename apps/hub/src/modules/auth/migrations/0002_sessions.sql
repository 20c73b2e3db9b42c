-- The hub's own auth bookkeeping: sessions and their rotating refresh tokens. Only
-- SHA-256 hashes of refresh tokens are stored; a leaked table does not sign anyone in.
CREATE TABLE IF NOT EXISTS made_open.auth_sessions (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  aal text NOT NULL DEFAULT 'aal1' CHECK (aal IN ('aal1', 'aal2', 'aal3')),
  user_agent text CHECK (char_length(user_agent) <= 512),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  refreshed_at timestamptz,
  -- Set when the session ends: sign-out, password change elsewhere, refresh-token reuse.
  revoked_at timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('logout', 'refresh_token_reuse', 'password_changed'))
);
CREATE INDEX IF NOT EXISTS auth_sessions_owner ON made_open.auth_sessions (owner_id) WHERE revoked_at IS NULL;

CREATE TABLE IF NOT EXISTS made_open.auth_refresh_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES made_open.auth_sessions (id) ON DELETE CASCADE,
  -- The token this one replaced: the rotation chain of a session.
  parent_id bigint REFERENCES made_open.auth_refresh_tokens (id) ON DELETE CASCADE,
  -- Spent (rotated) or ended with its session; presenting a revoked token again is reuse.
  revoked boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS auth_refresh_tokens_session ON made_open.auth_refresh_tokens (session_id);
CREATE INDEX IF NOT EXISTS auth_refresh_tokens_owner ON made_open.auth_refresh_tokens (owner_id);
CREATE INDEX IF NOT EXISTS auth_refresh_tokens_parent ON made_open.auth_refresh_tokens (parent_id);

ALTER TABLE made_open.auth_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_sessions FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_refresh_tokens FORCE ROW LEVEL SECURITY;

-- A user may list their sessions and end them; creating and rotating them is the auth
-- service's work (service_role).
DROP POLICY IF EXISTS auth_sessions_select_own ON made_open.auth_sessions;
CREATE POLICY auth_sessions_select_own ON made_open.auth_sessions
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS auth_sessions_update_own ON made_open.auth_sessions;
CREATE POLICY auth_sessions_update_own ON made_open.auth_sessions
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS auth_sessions_delete_own ON made_open.auth_sessions;
CREATE POLICY auth_sessions_delete_own ON made_open.auth_sessions
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));
GRANT SELECT (id, owner_id, aal, user_agent, created_at, updated_at, refreshed_at, revoked_at, revoked_reason),
  DELETE ON made_open.auth_sessions TO authenticated;
GRANT UPDATE (revoked_at, revoked_reason, updated_at) ON made_open.auth_sessions TO authenticated;

DROP POLICY IF EXISTS auth_refresh_tokens_select_own ON made_open.auth_refresh_tokens;
CREATE POLICY auth_refresh_tokens_select_own ON made_open.auth_refresh_tokens
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
-- Users see their chain, never the hashes.
GRANT SELECT (id, owner_id, session_id, parent_id, revoked, created_at, updated_at)
  ON made_open.auth_refresh_tokens TO authenticated;

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_sessions TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_refresh_tokens TO service_role;
