-- What each user granted each principal acting for them: plugins, rules, connectors and
-- AI assistants (DESIGN §2). Replaces plugin_grants: its rows move here as kind 'plugin'.
-- A principal's effective permissions are what its kind declares intersected with these
-- rows; the Policy Service decides on every action.
CREATE TABLE IF NOT EXISTS made_open.grants (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  principal_kind text NOT NULL CHECK (principal_kind IN ('user', 'plugin', 'rule', 'connector', 'ai')),
  principal_id text NOT NULL CHECK (principal_id ~ '^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$'),
  permission text NOT NULL CHECK (char_length(permission) BETWEEN 1 AND 200),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, principal_kind, principal_id, permission)
);

ALTER TABLE made_open.grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.grants FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS grants_select_own ON made_open.grants;
CREATE POLICY grants_select_own ON made_open.grants
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS grants_insert_own ON made_open.grants;
CREATE POLICY grants_insert_own ON made_open.grants
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS grants_update_own ON made_open.grants;
CREATE POLICY grants_update_own ON made_open.grants
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS grants_delete_own ON made_open.grants;
CREATE POLICY grants_delete_own ON made_open.grants
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.grants TO authenticated, service_role;

-- Move the plugin grants (kept as they were, granted_at included), then drop the old table.
DO $$
BEGIN
  IF to_regclass('made_open.plugin_grants') IS NOT NULL THEN
    INSERT INTO made_open.grants (owner_id, principal_kind, principal_id, permission, granted_at)
      SELECT owner_id, 'plugin', plugin_id, permission, granted_at FROM made_open.plugin_grants
      ON CONFLICT DO NOTHING;
    DROP TABLE made_open.plugin_grants;
  END IF;
END $$;
