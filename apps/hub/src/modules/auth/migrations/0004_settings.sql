-- Per-account preferences the hub itself reads (the default region for phone numbers
-- written without a country code), and the hub-wide settings its owner (the first account)
-- controls (whether anyone else may sign up).
CREATE TABLE IF NOT EXISTS made_open.account_settings (
  owner_id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  -- ISO 3166-1 alpha-2, upper case; the service checks it has a numbering plan.
  default_region text CHECK (default_region ~ '^[A-Z]{2}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE made_open.account_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.account_settings FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS account_settings_own ON made_open.account_settings;
CREATE POLICY account_settings_own ON made_open.account_settings
  FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS account_settings_system ON made_open.account_settings;
CREATE POLICY account_settings_system ON made_open.account_settings
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.account_settings FROM PUBLIC, anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.account_settings TO authenticated, service_role;

-- One row. owner_id is the first account, recorded when it signs up (or, for a hub that
-- had accounts before this table, the oldest of them).
CREATE TABLE IF NOT EXISTS made_open.hub_settings (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  owner_id uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  sign_up_open boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO made_open.hub_settings (singleton) VALUES (true) ON CONFLICT (singleton) DO NOTHING;
-- Supabase's auth.users has created_at; a trimmed one (tests) may not: then no owner yet.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = 'auth' AND table_name = 'users' AND column_name = 'created_at') THEN
    EXECUTE 'UPDATE made_open.hub_settings SET owner_id = (SELECT id FROM auth.users ORDER BY created_at, id LIMIT 1)
             WHERE singleton AND owner_id IS NULL';
  END IF;
END
$$;

ALTER TABLE made_open.hub_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.hub_settings FORCE ROW LEVEL SECURITY;
-- Only the owner reads or changes it, and cannot hand ownership away by an UPDATE.
DROP POLICY IF EXISTS hub_settings_owner_select ON made_open.hub_settings;
CREATE POLICY hub_settings_owner_select ON made_open.hub_settings
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS hub_settings_owner_update ON made_open.hub_settings;
CREATE POLICY hub_settings_owner_update ON made_open.hub_settings
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS hub_settings_system ON made_open.hub_settings;
CREATE POLICY hub_settings_system ON made_open.hub_settings
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.hub_settings FROM PUBLIC, anon, authenticated;
GRANT SELECT ON made_open.hub_settings TO authenticated;
GRANT UPDATE (sign_up_open, updated_at) ON made_open.hub_settings TO authenticated;
GRANT SELECT, INSERT, UPDATE ON made_open.hub_settings TO service_role;
