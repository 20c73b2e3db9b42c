-- What each user granted each plugin. A plugin's effective permissions are its manifest's
-- declarations intersected with these rows (the Policy Service decides on every call).
CREATE TABLE IF NOT EXISTS made_open.plugin_grants (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  plugin_id text NOT NULL CHECK (plugin_id ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
  permission text NOT NULL CHECK (char_length(permission) BETWEEN 1 AND 200),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, plugin_id, permission)
);

ALTER TABLE made_open.plugin_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.plugin_grants FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS plugin_grants_select_own ON made_open.plugin_grants;
CREATE POLICY plugin_grants_select_own ON made_open.plugin_grants
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS plugin_grants_insert_own ON made_open.plugin_grants;
CREATE POLICY plugin_grants_insert_own ON made_open.plugin_grants
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS plugin_grants_update_own ON made_open.plugin_grants;
CREATE POLICY plugin_grants_update_own ON made_open.plugin_grants
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS plugin_grants_delete_own ON made_open.plugin_grants;
CREATE POLICY plugin_grants_delete_own ON made_open.plugin_grants
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.plugin_grants TO authenticated, service_role;
