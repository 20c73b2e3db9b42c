-- AI over the owner's data (issue 15): their data classes and the egress audit.

-- Per entity type: the owner's data class (sensitive: only to a local model) and whether a
-- redacted version may go to a cloud model when no local one is configured. A type without a
-- row has the built-in default (modules/ai/ai.classes.ts).
CREATE TABLE IF NOT EXISTS made_open.ai_data_classes (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  entity_type text NOT NULL CHECK (entity_type ~ '^[a-z][a-z_]{0,39}$'),
  data_class text NOT NULL CHECK (data_class IN ('normal', 'sensitive')),
  cloud_redacted boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, entity_type)
);

ALTER TABLE made_open.ai_data_classes ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_data_classes FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ai_data_classes_select_own ON made_open.ai_data_classes;
CREATE POLICY ai_data_classes_select_own ON made_open.ai_data_classes
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_data_classes_insert_own ON made_open.ai_data_classes;
CREATE POLICY ai_data_classes_insert_own ON made_open.ai_data_classes
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_data_classes_update_own ON made_open.ai_data_classes;
CREATE POLICY ai_data_classes_update_own ON made_open.ai_data_classes
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_data_classes_delete_own ON made_open.ai_data_classes;
CREATE POLICY ai_data_classes_delete_own ON made_open.ai_data_classes
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.ai_data_classes TO authenticated, service_role;

-- Every request to a cloud model: when, which model, which entities' text went, how many
-- bytes, what was redacted (kinds and counts) and the payload's SHA-256. Never the content.
-- Written before the request leaves (outcome 'sent'), completed when it ends. No DELETE:
-- the trail stays as long as the account.
CREATE TABLE IF NOT EXISTS made_open.ai_egress (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  provider text NOT NULL CHECK (char_length(provider) BETWEEN 1 AND 40),
  model text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 200),
  purpose text NOT NULL CHECK (char_length(purpose) BETWEEN 1 AND 40),
  entity_ids uuid[] NOT NULL DEFAULT '{}',
  bytes integer NOT NULL CHECK (bytes >= 0),
  payload_sha256 text NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
  redactions jsonb NOT NULL DEFAULT '{}'::jsonb,
  classes text[] NOT NULL DEFAULT '{}',
  outcome text NOT NULL DEFAULT 'sent' CHECK (outcome IN ('sent', 'ok', 'error', 'cancelled')),
  error_kind text CHECK (error_kind IS NULL OR char_length(error_kind) <= 40),
  prompt_tokens integer,
  completion_tokens integer,
  cost_usd numeric(14, 8),
  finished_at timestamptz
);

CREATE INDEX IF NOT EXISTS ai_egress_owner_at ON made_open.ai_egress (owner_id, at DESC, id DESC);

ALTER TABLE made_open.ai_egress ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_egress FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ai_egress_select_own ON made_open.ai_egress;
CREATE POLICY ai_egress_select_own ON made_open.ai_egress
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_egress_insert_own ON made_open.ai_egress;
CREATE POLICY ai_egress_insert_own ON made_open.ai_egress
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_egress_update_own ON made_open.ai_egress;
CREATE POLICY ai_egress_update_own ON made_open.ai_egress
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT ON made_open.ai_egress TO authenticated, service_role;
-- Only the closing columns change after the request left.
GRANT UPDATE (outcome, error_kind, prompt_tokens, completion_tokens, cost_usd, finished_at)
  ON made_open.ai_egress TO authenticated, service_role;
