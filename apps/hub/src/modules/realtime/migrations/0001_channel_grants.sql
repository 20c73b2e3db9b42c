-- Private realtime channels, authorised in the database as Supabase does with RLS on
-- realtime.messages: a private join needs made_open.realtime_authorize(topic, 'read'), a
-- private send needs (topic, 'write'). Topics are channel names without "realtime:".

-- A user owns the topics named after them: user:<id> and user:<id>:<name>. Every other
-- private topic has no owner, so nobody may join it (deny by default, like Supabase).
CREATE OR REPLACE FUNCTION made_open.realtime_topic_owner(p_topic text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT SECURITY INVOKER
SET search_path = ''
AS $$
  SELECT (regexp_match(
    p_topic,
    '^user:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?::[A-Za-z0-9_.-]{1,64})?$'
  ))[1]::uuid
$$;

-- What an owner let another user do on one of their topics.
CREATE TABLE IF NOT EXISTS made_open.realtime_channel_grants (
  topic text NOT NULL,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  grantee_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  can_read boolean NOT NULL,
  can_write boolean NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, grantee_id),
  -- Only the topic's owner can grant on it, whoever writes the row.
  CONSTRAINT realtime_channel_grants_topic_owned CHECK (made_open.realtime_topic_owner(topic) = owner_id),
  CONSTRAINT realtime_channel_grants_not_self CHECK (grantee_id <> owner_id),
  -- Neither right is a revoke: delete the row instead.
  CONSTRAINT realtime_channel_grants_some_right CHECK (can_read OR can_write)
);
CREATE INDEX IF NOT EXISTS realtime_channel_grants_owner ON made_open.realtime_channel_grants (owner_id, topic);

ALTER TABLE made_open.realtime_channel_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.realtime_channel_grants FORCE ROW LEVEL SECURITY;

-- The owner manages their grants; a grantee sees only the rows naming them (which is what
-- realtime_authorize reads when it runs as that grantee).
DROP POLICY IF EXISTS realtime_channel_grants_select ON made_open.realtime_channel_grants;
CREATE POLICY realtime_channel_grants_select ON made_open.realtime_channel_grants
  FOR SELECT TO authenticated
  USING (owner_id = (SELECT auth.uid()) OR grantee_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS realtime_channel_grants_insert_own ON made_open.realtime_channel_grants;
CREATE POLICY realtime_channel_grants_insert_own ON made_open.realtime_channel_grants
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS realtime_channel_grants_update_own ON made_open.realtime_channel_grants;
CREATE POLICY realtime_channel_grants_update_own ON made_open.realtime_channel_grants
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS realtime_channel_grants_delete_own ON made_open.realtime_channel_grants;
CREATE POLICY realtime_channel_grants_delete_own ON made_open.realtime_channel_grants
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.realtime_channel_grants TO authenticated, service_role;

-- The policy itself. SECURITY INVOKER on purpose: it runs as the caller, so the grants it
-- can see are the ones RLS shows them. anon has no USAGE on made_open and cannot call it.
CREATE OR REPLACE FUNCTION made_open.realtime_authorize(p_topic text, p_action text) RETURNS boolean
LANGUAGE sql STABLE SECURITY INVOKER
SET search_path = ''
AS $$
  SELECT CASE
    WHEN (SELECT auth.uid()) IS NULL OR coalesce((SELECT auth.role()), '') <> 'authenticated' THEN false
    WHEN made_open.realtime_topic_owner(p_topic) = (SELECT auth.uid()) THEN p_action IN ('read', 'write')
    ELSE EXISTS (
      SELECT 1 FROM made_open.realtime_channel_grants g
      WHERE g.topic = p_topic
        AND g.grantee_id = (SELECT auth.uid())
        AND CASE p_action WHEN 'read' THEN g.can_read WHEN 'write' THEN g.can_write ELSE false END
    )
  END
$$;

REVOKE ALL ON FUNCTION made_open.realtime_topic_owner(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION made_open.realtime_authorize(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION made_open.realtime_topic_owner(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION made_open.realtime_authorize(text, text) TO authenticated, service_role;
