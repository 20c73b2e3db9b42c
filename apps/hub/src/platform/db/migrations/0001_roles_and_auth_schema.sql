-- Supabase's roles and auth helpers, created only where absent: on Supabase they exist
-- already and are left as they are. Roles are cluster-wide, so several databases on one
-- server (tests, tenants) may race to create them: a duplicate is not an error.
DO $roles$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', role_name);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$roles$;

-- Only the system role bypasses RLS; the request roles never do.
DO $bypass$
BEGIN
  IF NOT (SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role') THEN
    ALTER ROLE service_role BYPASSRLS;
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'cannot give service_role BYPASSRLS: system consumers need it';
END
$bypass$;

-- A non-superuser hub login must be able to SET ROLE to each of them.
DO $membership$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT anon, authenticated, service_role TO %I', current_user);
  END IF;
END
$membership$;

CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT USAGE ON SCHEMA made_open TO authenticated, service_role;

-- auth.uid(), auth.role(), auth.email(), auth.jwt(): Supabase's definitions, reading
-- request.jwt.claims, created only where Supabase has not already.
DO $helpers$
BEGIN
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
      )::uuid
    $f$;
  END IF;
  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
      )::text
    $f$;
  END IF;
  IF to_regprocedure('auth.email()') IS NULL THEN
    CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim.email', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
      )::text
    $f$;
  END IF;
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $f$;
  END IF;
END
$helpers$;

GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt()
  TO anon, authenticated, service_role;

-- The migrations ledger is the owner's alone: no request role has any grant on it.
DROP POLICY IF EXISTS schema_migrations_service_read ON made_open.schema_migrations;
CREATE POLICY schema_migrations_service_read ON made_open.schema_migrations
  FOR SELECT TO service_role USING (true);
GRANT SELECT ON made_open.schema_migrations TO service_role;

-- Extensions the graph uses where the server has them (pgvector is optional: Debian's
-- PostgreSQL 15 lacks it, and vector features switch off there).
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
