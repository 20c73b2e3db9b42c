-- Supabase-compatible auth.users, created only where absent: on Supabase, GoTrue owns the
-- table and it is left exactly as it is. Column names and types follow Supabase's, so
-- other modules' foreign keys (auth.users(id) ON DELETE CASCADE) and policies run on both.
DO $users$
BEGIN
  IF to_regclass('auth.users') IS NOT NULL THEN
    RETURN;
  END IF;

  CREATE TABLE auth.users (
    instance_id uuid,
    id uuid PRIMARY KEY,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    invited_at timestamptz,
    confirmation_token varchar(255),
    confirmation_sent_at timestamptz,
    recovery_token varchar(255),
    recovery_sent_at timestamptz,
    email_change_token_new varchar(255),
    email_change varchar(255),
    email_change_sent_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz,
    phone text UNIQUE DEFAULT NULL,
    phone_confirmed_at timestamptz,
    phone_change text DEFAULT '',
    phone_change_token varchar(255) DEFAULT '',
    phone_change_sent_at timestamptz,
    confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
    email_change_token_current varchar(255) DEFAULT '',
    email_change_confirm_status smallint DEFAULT 0 CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
    banned_until timestamptz,
    reauthentication_token varchar(255) DEFAULT '',
    reauthentication_sent_at timestamptz,
    is_sso_user boolean NOT NULL DEFAULT false,
    deleted_at timestamptz,
    is_anonymous boolean NOT NULL DEFAULT false
  );

  -- One account per address, whatever its case.
  CREATE UNIQUE INDEX users_email_lower_key ON auth.users (lower(email)) WHERE email IS NOT NULL;
  CREATE INDEX users_instance_id_idx ON auth.users (instance_id);

  ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
  ALTER TABLE auth.users FORCE ROW LEVEL SECURITY;

  -- A signed-in user may read their own row, and never the password hash or the tokens.
  CREATE POLICY users_select_own ON auth.users
    FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));
  GRANT SELECT (
    id, aud, role, email, email_confirmed_at, invited_at, confirmation_sent_at, recovery_sent_at,
    email_change, email_change_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data,
    created_at, updated_at, phone, phone_confirmed_at, confirmed_at, banned_until, is_sso_user,
    deleted_at, is_anonymous
  ) ON auth.users TO authenticated;

  -- The hub's auth service works as service_role (BYPASSRLS), carrying the user id itself.
  GRANT SELECT, INSERT, UPDATE, DELETE ON auth.users TO service_role;
END
$users$;
