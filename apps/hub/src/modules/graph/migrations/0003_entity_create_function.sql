-- The POST /api/v1/entities hot path as a function, for the same reason as graph_entity
-- (0002): one round trip whose plan PL/pgSQL caches per connection. It inserts the entity
-- and its data.EntityCreated outbox row together and returns the Entity DTO as JSON text
-- (the same rendering as graph.repository.ts; graph.test.ts checks they agree and that the
-- event data satisfies the registered schema). SECURITY INVOKER: the caller's RLS applies to
-- both inserts (owner_id defaults to auth.uid(); the outbox policy requires the same owner).
CREATE OR REPLACE FUNCTION public.graph_create_entity(
  p_id uuid, p_type text, p_title text, p_body text, p_properties jsonb,
  p_source text, p_external_id text, p_occurred_at timestamptz, p_event_id uuid, p_actor jsonb)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = ''
AS $fn$
DECLARE
  e public.entities;
  snapshot json;
BEGIN
  INSERT INTO public.entities (id, type, title, body, properties, source, external_id, occurred_at)
  VALUES (p_id, p_type, p_title, p_body, p_properties, p_source, p_external_id, p_occurred_at)
  RETURNING * INTO e;
  snapshot := json_build_object(
    'id', e.id, 'type', e.type, 'title', e.title, 'body', e.body, 'properties', e.properties,
    'source', e.source, 'externalId', e.external_id,
    'occurredAt', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'createdAt', to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updatedAt', to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'deletedAt', to_char(e.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'version', e.version, 'mergedIntoId', e.merged_into_id);
  INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
  VALUES (p_event_id, e.owner_id, 'data.EntityCreated', e.id::text, p_actor, jsonb_build_object('entity', snapshot), 1);
  RETURN snapshot::text;
END
$fn$;

REVOKE ALL ON FUNCTION public.graph_create_entity(uuid, text, text, text, jsonb, text, text, timestamptz, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.graph_create_entity(uuid, text, text, text, jsonb, text, text, timestamptz, uuid, jsonb)
  TO authenticated, service_role;
