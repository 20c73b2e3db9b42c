-- Mail from the hub (password recovery, email confirmation, magic links and codes) goes
-- out through a sender the hub's owner configures: their own SMTP account. One row.
CREATE TABLE IF NOT EXISTS made_open.auth_email_sender (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  kind text NOT NULL DEFAULT 'smtp' CHECK (kind = 'smtp'),
  host text NOT NULL CHECK (char_length(host) BETWEEN 1 AND 253),
  port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  -- true: TLS from the first byte (port 465); false: STARTTLS, required unless the host is loopback.
  secure boolean NOT NULL,
  username text CHECK (char_length(username) <= 320),
  -- AES-256-GCM under DATA_DIR/auth-email-key: a copied table alone does not give the password away.
  password_sealed bytea,
  from_address text NOT NULL CHECK (char_length(from_address) <= 320),
  updated_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The links and codes mailed out (GoTrue's one_time_tokens): one live token per user and
-- kind, replaced when a new one is sent. token_hash is GoTrue's link token
-- (hex SHA-224 of email + code); only its SHA-256 is stored.
CREATE TABLE IF NOT EXISTS made_open.auth_one_time_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  token_type text NOT NULL CHECK (token_type IN ('confirmation', 'recovery', 'magiclink')),
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, token_type)
);

-- System only: the auth service reads and writes these as service_role; no user or anon access.
ALTER TABLE made_open.auth_email_sender ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_email_sender FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_one_time_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.auth_one_time_tokens FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS auth_email_sender_system ON made_open.auth_email_sender;
CREATE POLICY auth_email_sender_system ON made_open.auth_email_sender
  FOR ALL TO service_role USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS auth_one_time_tokens_system ON made_open.auth_one_time_tokens;
CREATE POLICY auth_one_time_tokens_system ON made_open.auth_one_time_tokens
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.auth_email_sender FROM PUBLIC, anon, authenticated;
REVOKE ALL ON made_open.auth_one_time_tokens FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_email_sender TO service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.auth_one_time_tokens TO service_role;

-- How the session began, for the access token's amr (password, or a mailed link or code).
ALTER TABLE made_open.auth_sessions ADD COLUMN IF NOT EXISTS sign_in_method text NOT NULL DEFAULT 'password'
  CHECK (sign_in_method IN ('password', 'otp', 'magiclink', 'recovery', 'email/signup'));
