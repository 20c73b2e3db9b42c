-- The audit trail: every event on the audit stream (DESIGN §4; which events are audited is
-- decided in packages/shared/src/event-registry.ts), written by the `audit` consumer.
-- Append-only: no application role may UPDATE, DELETE or TRUNCATE it (no grants, and a
-- trigger that refuses even the roles that own or bypass RLS). Users read only their own.
CREATE TABLE IF NOT EXISTS made_open.audit_log (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  type text NOT NULL,
  subject text NOT NULL,
  actor jsonb NOT NULL,
  data jsonb NOT NULL,
  v integer NOT NULL,
  time timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_log_owner_id ON made_open.audit_log (owner_id, id DESC);

CREATE OR REPLACE FUNCTION made_open.audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'made_open.audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$f$;
REVOKE ALL ON FUNCTION made_open.audit_log_refuse_change() FROM PUBLIC;

DROP TRIGGER IF EXISTS audit_log_no_update_delete ON made_open.audit_log;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON made_open.audit_log
  FOR EACH ROW EXECUTE FUNCTION made_open.audit_log_refuse_change();
DROP TRIGGER IF EXISTS audit_log_no_truncate ON made_open.audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON made_open.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION made_open.audit_log_refuse_change();

ALTER TABLE made_open.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.audit_log FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS audit_log_select_own ON made_open.audit_log;
CREATE POLICY audit_log_select_own ON made_open.audit_log
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS audit_log_insert_system ON made_open.audit_log;
CREATE POLICY audit_log_insert_system ON made_open.audit_log
  FOR INSERT TO service_role WITH CHECK (true);
DROP POLICY IF EXISTS audit_log_select_system ON made_open.audit_log;
CREATE POLICY audit_log_select_system ON made_open.audit_log
  FOR SELECT TO service_role USING (true);

REVOKE ALL ON made_open.audit_log FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON made_open.audit_log TO authenticated;
GRANT SELECT, INSERT ON made_open.audit_log TO service_role;
