-- The request roles get nothing in pg-boss's schema: a role that can insert into
-- pgboss.job can run any job type this hub knows, with any payload, as the system.
-- Enqueueing inside a request transaction switches to service_role for pg-boss's own
-- statements (jobs.repository.ts transactionExecutor). pg-boss can create or upgrade this
-- schema at start, so the jobs module repeats this after every start (restrictToSystem).
DO $migration$
BEGIN
  IF to_regnamespace('pgboss') IS NOT NULL THEN
    REVOKE ALL ON SCHEMA pgboss FROM PUBLIC, anon, authenticated;
    REVOKE ALL ON ALL TABLES IN SCHEMA pgboss FROM PUBLIC, anon, authenticated;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA pgboss FROM PUBLIC, anon, authenticated;
    -- Functions are executable by PUBLIC unless revoked.
    REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pgboss FROM PUBLIC, anon, authenticated;
  END IF;
END
$migration$;
