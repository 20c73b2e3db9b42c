-- Rules (issue 14, ADR 0016): one row per rule with its current version and whether it is
-- enabled, and its immutable versions. Every save inserts a version; nothing updates or
-- deletes one (no such policy or grant for the request role) except deleting the rule.
CREATE TABLE IF NOT EXISTS made_open.rules (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  current_version integer NOT NULL CHECK (current_version >= 1),
  enabled boolean NOT NULL DEFAULT false,
  -- sha256 of the incoming-webhook secret (hex); the secret is shown once, at creation or rotation.
  webhook_secret_hash text CHECK (webhook_secret_hash IS NULL OR char_length(webhook_secret_hash) = 64),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rules_owner ON made_open.rules (owner_id, created_at);
-- The engine's index: the enabled rules of one owner.
CREATE INDEX IF NOT EXISTS rules_owner_enabled ON made_open.rules (owner_id) WHERE enabled;

ALTER TABLE made_open.rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.rules FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS rules_select_own ON made_open.rules;
CREATE POLICY rules_select_own ON made_open.rules
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rules_insert_own ON made_open.rules;
CREATE POLICY rules_insert_own ON made_open.rules
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rules_update_own ON made_open.rules;
CREATE POLICY rules_update_own ON made_open.rules
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rules_delete_own ON made_open.rules;
CREATE POLICY rules_delete_own ON made_open.rules
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.rules TO authenticated, service_role;

CREATE TABLE IF NOT EXISTS made_open.rule_versions (
  rule_id uuid NOT NULL REFERENCES made_open.rules (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version >= 1),
  definition jsonb NOT NULL,
  -- Who saved it (a user id) and an optional note ("rolled back to 3").
  author uuid NOT NULL,
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, version)
);

ALTER TABLE made_open.rule_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.rule_versions FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS rule_versions_select_own ON made_open.rule_versions;
CREATE POLICY rule_versions_select_own ON made_open.rule_versions
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_versions_insert_own ON made_open.rule_versions;
CREATE POLICY rule_versions_insert_own ON made_open.rule_versions
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
-- Immutable: no UPDATE or DELETE for anyone but the cascade from made_open.rules.
GRANT SELECT, INSERT ON made_open.rule_versions TO authenticated, service_role;
