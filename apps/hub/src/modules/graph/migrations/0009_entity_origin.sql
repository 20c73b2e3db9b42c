-- The Entity DTO says where an entity came from (additive; DESIGN §3's source + external_id):
--   hub      no source: made in the hub (by hand, by an API client, by the hub's own modules)
--   address  a person a connector made for a phone number or an email address it met (a mail's
--            sender, a texter): external_id is `email:<address>` or `phone:<number>` (ingest), or
--            `person:<number>` (Twilio), so it is no record at that source (not an Outlook contact)
--            (graph.made-persons.ts holds the same pattern)
--   source   the source's own record of it (an Outlook contact, a synced event, a text)
-- Still one inlined SQL expression: no per-row function call for lists.
CREATE OR REPLACE FUNCTION public.graph_entity_json(e public.entities)
RETURNS json
LANGUAGE sql STABLE
AS $fn$
  SELECT pg_catalog.json_build_object(
    'id', e.id, 'type', e.type, 'title', e.title, 'body', e.body, 'properties', e.properties,
    'source', e.source, 'externalId', e.external_id,
    'origin', CASE WHEN e.source IS NULL THEN 'hub'
                   WHEN e.type = 'person' AND e.external_id ~ '^(email|phone|person):' THEN 'address'
                   ELSE 'source' END,
    'occurredAt', pg_catalog.to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'createdAt', pg_catalog.to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'updatedAt', pg_catalog.to_char(e.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'deletedAt', pg_catalog.to_char(e.deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'version', e.version, 'mergedIntoId', e.merged_into_id)
$fn$;

REVOKE ALL ON FUNCTION public.graph_entity_json(public.entities) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.graph_entity_json(public.entities) TO authenticated, service_role;
