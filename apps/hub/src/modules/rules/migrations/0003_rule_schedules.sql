-- The minute tick (rules.tick) finds rules with a schedule trigger without reading every
-- enabled rule's definition: one row per (rule, schedule trigger) of enabled rules,
-- written by the rules service whenever a rule is saved, enabled or disabled.
CREATE TABLE IF NOT EXISTS made_open.rule_schedules (
  rule_id uuid NOT NULL REFERENCES made_open.rules (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  trigger_id text NOT NULL,
  cron text NOT NULL,
  tz text NOT NULL,
  PRIMARY KEY (rule_id, trigger_id)
);

ALTER TABLE made_open.rule_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.rule_schedules FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS rule_schedules_select_own ON made_open.rule_schedules;
CREATE POLICY rule_schedules_select_own ON made_open.rule_schedules
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_schedules_insert_own ON made_open.rule_schedules;
CREATE POLICY rule_schedules_insert_own ON made_open.rule_schedules
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_schedules_update_own ON made_open.rule_schedules;
CREATE POLICY rule_schedules_update_own ON made_open.rule_schedules
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_schedules_delete_own ON made_open.rule_schedules;
CREATE POLICY rule_schedules_delete_own ON made_open.rule_schedules
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.rule_schedules TO authenticated, service_role;
