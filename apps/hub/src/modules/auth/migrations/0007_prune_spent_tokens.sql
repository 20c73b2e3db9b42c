-- Spent refresh tokens and ended sessions are pruned after a while (auth.prune job,
-- auth.prune.ts): a session refreshed hourly leaves 24 spent tokens a day. A token points
-- at the one it replaced (parent_id); removing an old parent must not take the live tokens
-- of its chain with it, so the link is cleared instead of cascading.
ALTER TABLE made_open.auth_refresh_tokens DROP CONSTRAINT IF EXISTS auth_refresh_tokens_parent_id_fkey;
ALTER TABLE made_open.auth_refresh_tokens
  ADD CONSTRAINT auth_refresh_tokens_parent_id_fkey
  FOREIGN KEY (parent_id) REFERENCES made_open.auth_refresh_tokens (id) ON DELETE SET NULL;

-- What the prune looks for: spent tokens by when they were spent, ended sessions by when.
CREATE INDEX IF NOT EXISTS auth_refresh_tokens_spent ON made_open.auth_refresh_tokens (updated_at) WHERE revoked;
CREATE INDEX IF NOT EXISTS auth_sessions_ended ON made_open.auth_sessions (revoked_at) WHERE revoked_at IS NOT NULL;
