-- Rule runs (issue 14): one row per run with its trace (trigger, each condition with the
-- values it saw, each step's input, output, error and timing). Where a waiting run resumes
-- (`resume_at`, a JSON pointer to its next step). Kept under a retention policy
-- (rules.prune): the newest runs per rule, and failures for 30 days.
CREATE TABLE IF NOT EXISTS made_open.rule_runs (
  id uuid PRIMARY KEY,
  rule_id uuid NOT NULL REFERENCES made_open.rules (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  version integer NOT NULL,
  status text NOT NULL CHECK (
    status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'skipped', 'rate_limited')
  ),
  reason text,
  trigger_id text NOT NULL,
  -- The event that fired it (null for schedule, manual and webhook runs) and its envelope.
  trigger_event_id uuid,
  trigger jsonb NOT NULL,
  -- Causation depth of this run's actions (1 + the trigger event's).
  depth integer NOT NULL DEFAULT 1,
  -- One run per (rule, key): an event id and trigger, a schedule's minute. Null: no dedupe.
  dedupe_key text,
  -- A re-run names the run it repeats.
  rerun_of uuid,
  trace jsonb NOT NULL DEFAULT '[]'::jsonb,
  resume_at text,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at timestamptz,
  heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS rule_runs_rule_started ON made_open.rule_runs (rule_id, started_at DESC);
CREATE INDEX IF NOT EXISTS rule_runs_active ON made_open.rule_runs (rule_id, started_at)
  WHERE status IN ('queued', 'running', 'waiting');
CREATE UNIQUE INDEX IF NOT EXISTS rule_runs_dedupe ON made_open.rule_runs (rule_id, dedupe_key)
  WHERE dedupe_key IS NOT NULL;

ALTER TABLE made_open.rule_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.rule_runs FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS rule_runs_select_own ON made_open.rule_runs;
CREATE POLICY rule_runs_select_own ON made_open.rule_runs
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_runs_insert_own ON made_open.rule_runs;
CREATE POLICY rule_runs_insert_own ON made_open.rule_runs
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_runs_update_own ON made_open.rule_runs;
CREATE POLICY rule_runs_update_own ON made_open.rule_runs
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS rule_runs_delete_own ON made_open.rule_runs;
CREATE POLICY rule_runs_delete_own ON made_open.rule_runs
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.rule_runs TO authenticated, service_role;
