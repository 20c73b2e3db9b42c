-- One renderer of the Entity DTO (camelCase, UTC timestamps with microseconds) for every
-- reader and writer: GET, lists, the ingest path's responses and event snapshots.
-- LANGUAGE sql with a single expression and no SET clause, so the planner inlines it into
-- the calling statement (no per-row function call). Everything is schema-qualified for the
-- same reason: an inlined body runs with the caller's search_path.
CREATE OR REPLACE FUNCTION public.graph_entity_json(e public.entities)
RETURNS json
LANGUAGE sql STABLE
AS $fn$
  SELECT pg_catalog.json_build_object(
    'id', e.id, 'type', e.type, 'title', e.title, 'body', e.body, 'properties', e.properties,
    'source', e.source, 'externalId', e.external_id,
    'occurredAt', pg_catalog.to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'createdAt', pg_catalog.to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updatedAt', pg_catalog.to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'deletedAt', pg_catalog.to_char(e.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'version', e.version, 'mergedIntoId', e.merged_into_id)
$fn$;

CREATE OR REPLACE FUNCTION public.graph_identifier_json(i public.identifiers)
RETURNS json
LANGUAGE sql STABLE
AS $fn$
  SELECT pg_catalog.json_build_object(
    'id', i.id, 'kind', i.kind, 'value', i.value, 'entityId', i.entity_id,
    'createdAt', pg_catalog.to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$fn$;

-- A person's DTO is its entity JSON plus `identifiers`, appended to the text so that the
-- entity part stays the one rendering above (json_build_object always ends with '}').
-- Each argument is used once, so the function still inlines with a subquery argument.
CREATE OR REPLACE FUNCTION public.graph_with_identifiers(entity json, identifiers json)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $fn$
  SELECT pg_catalog.left(entity::text, -1) || ', "identifiers" : ' || identifiers::text || '}'
$fn$;

-- GET /api/v1/entities/:id, now through the renderer. PL/pgSQL still caches the plan per
-- connection (one parse per request); the identifiers are read only for persons.
CREATE OR REPLACE FUNCTION public.graph_entity(entity_id uuid)
RETURNS TABLE (deleted boolean, merged_into_id uuid, entity_json text)
LANGUAGE plpgsql STABLE SECURITY INVOKER
SET search_path = ''
AS $fn$
#variable_conflict use_column
DECLARE
  e public.entities;
BEGIN
  SELECT * INTO e FROM public.entities x WHERE x.id = entity_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  deleted := e.deleted_at IS NOT NULL;
  merged_into_id := e.merged_into_id;
  IF e.type = 'person' THEN
    entity_json := public.graph_with_identifiers(public.graph_entity_json(e), (
      SELECT coalesce(json_agg(public.graph_identifier_json(i) ORDER BY i.kind, i.value), '[]'::json)
      FROM public.identifiers i WHERE i.owner_id = e.owner_id AND i.entity_id = e.id));
  ELSE
    entity_json := public.graph_entity_json(e)::text;
  END IF;
  RETURN NEXT;
END
$fn$;

-- The create path of POST /api/v1/entities is the ingest path now (graph.ingest.ts).
DROP FUNCTION IF EXISTS public.graph_create_entity(uuid, text, text, text, jsonb, text, text, timestamptz, uuid, jsonb);

REVOKE ALL ON FUNCTION public.graph_entity_json(public.entities) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.graph_identifier_json(public.identifiers) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.graph_with_identifiers(json, json) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.graph_entity_json(public.entities) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.graph_identifier_json(public.identifiers) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.graph_with_identifiers(json, json) TO authenticated, service_role;
