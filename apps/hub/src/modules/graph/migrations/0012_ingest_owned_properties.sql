-- graph_ingest (0006) with properties a source owns only in part. An item may name the
-- property keys its source writes (`owned`: an Outlook contact's names, emails, phones, company
-- ...): on an update those keys are as the item has them (absent ones removed, so a field
-- cleared at the source is cleared here) and every other key stays: the owner's tags, groups
-- and photo on a synced contact are no longer wiped by the next change made at the source.
-- Without `owned` an item's properties replace the entity's, as before. Everything else is as
-- in 0006.

CREATE OR REPLACE FUNCTION public.graph_ingest(
  p_entities jsonb, p_owner uuid, p_identifiers jsonb, p_links jsonb, p_actor jsonb,
  p_return_json boolean, p_create boolean)
RETURNS TABLE (ord int, id uuid, status text, entity_json text, links bigint, events bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = ''
AS $fn$
#variable_conflict use_column
BEGIN
  -- Two statements, each with its own cached plan: create mode (POST, one item) keeps 0005's,
  -- which PL/pgSQL plans once per connection; the bulk path probes the index per item.
  IF p_create THEN
    RETURN QUERY
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(p_entities) AS r(
        ord int, seq int, id uuid, type text, title text, body text, properties jsonb, source text, external_id text,
        occurred_at timestamptz, occurred_at_set boolean, keep boolean, adds_identifiers boolean, event_id uuid,
        owned text[])
    ),
    before AS (SELECT i.ord, e.id, e.type, e.deleted_at IS NOT NULL AS deleted, e.title, e.body, e.properties, e.occurred_at
      FROM input i JOIN public.entities e ON e.owner_id = p_owner AND e.source = i.source AND e.external_id = i.external_id
      WHERE NOT p_create),
    changes AS (
      SELECT i.ord, b.id, array_remove(ARRAY[
               CASE WHEN i.title IS DISTINCT FROM b.title AND i.title IS NOT NULL THEN 'title' END,
               CASE WHEN i.body IS DISTINCT FROM b.body AND i.body IS NOT NULL THEN 'body' END,
               CASE WHEN i.properties IS NOT NULL AND (CASE WHEN i.owned IS NULL THEN i.properties
                              ELSE (b.properties - i.owned) || i.properties END) IS DISTINCT FROM b.properties
                    THEN 'properties' END,
               CASE WHEN i.occurred_at_set AND i.occurred_at IS DISTINCT FROM b.occurred_at THEN 'occurredAt' END,
               CASE WHEN i.adds_identifiers THEN 'identifiers' END], NULL) AS changed
      FROM input i JOIN before b ON b.ord = i.ord
      WHERE NOT i.keep AND NOT b.deleted AND b.type = i.type
    ),
    updated AS (
      UPDATE public.entities e SET
        title = coalesce(i.title, e.title),
        body = coalesce(i.body, e.body),
        properties = CASE WHEN i.properties IS NULL THEN e.properties WHEN i.owned IS NULL THEN i.properties
                          ELSE (e.properties - i.owned) || i.properties END,
        occurred_at = CASE WHEN i.occurred_at_set THEN i.occurred_at ELSE e.occurred_at END,
        version = e.version + 1,
        updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
      FROM changes c JOIN input i ON i.ord = c.ord
      WHERE e.id = c.id AND cardinality(c.changed) > 0
      RETURNING c.ord, c.changed, e AS row
    ),
    inserted AS (
      INSERT INTO public.entities AS e (id, owner_id, type, title, body, properties, source, external_id, occurred_at)
      SELECT i.id, p_owner, i.type, coalesce(i.title, ''), coalesce(i.body, ''), coalesce(i.properties, '{}'::jsonb),
             i.source, i.external_id, i.occurred_at
      FROM input i WHERE NOT EXISTS (SELECT 1 FROM before b WHERE b.ord = i.ord)
      ORDER BY i.ord
      ON CONFLICT (owner_id, source, external_id) DO NOTHING
      RETURNING e AS row
    ),
    -- (row IS NULL is true only when every field is: test a column of the row instead.)
    results AS (
      SELECT i.ord, i.seq, i.type, i.event_id, coalesce(b.id, i.id) AS id, u.changed,
             coalesce(n.row, u.row) AS row,
             CASE WHEN b.id IS NULL THEN CASE WHEN (n.row).id IS NULL THEN 'conflict' ELSE 'created' END
                  WHEN b.type <> i.type THEN 'type_mismatch'
                  WHEN b.deleted THEN 'deleted'
                  WHEN u.ord IS NOT NULL THEN 'updated'
                  ELSE 'unchanged' END AS status
      FROM input i
      LEFT JOIN before b ON b.ord = i.ord
      LEFT JOIN inserted n ON (n.row).id = i.id
      LEFT JOIN updated u ON u.ord = i.ord
    ),
    idents AS (
      INSERT INTO public.identifiers AS x (id, owner_id, kind, value, entity_id)
      SELECT d.id, p_owner, d.kind, d.value, r.id
      FROM jsonb_to_recordset(p_identifiers) AS d(ord int, id uuid, kind text, value text)
      JOIN results r ON r.ord = d.ord AND r.status IN ('created', 'updated', 'unchanged')
      ON CONFLICT (owner_id, kind, value) DO NOTHING
      RETURNING x.entity_id, x.kind, x.value, public.graph_identifier_json(x) AS doc
    ),
    -- A person's identifiers after the change: those it had (the statement's snapshot) and the new.
    person_identifiers AS (
      SELECT s.entity_id, json_agg(s.doc ORDER BY s.kind, s.value) AS list
      FROM (
        SELECT x.entity_id, x.kind, x.value, public.graph_identifier_json(x) AS doc
        FROM results r JOIN public.identifiers x ON x.owner_id = p_owner AND x.entity_id = r.id
        WHERE r.status = 'updated' AND r.type = 'person'
        UNION ALL
        SELECT entity_id, kind, value, doc FROM idents
      ) s
      GROUP BY s.entity_id
    ),
    links AS (
      INSERT INTO public.entity_links AS l (id, owner_id, kind, from_id, to_id)
      SELECT d.id, p_owner, d.kind, f.id, coalesce(d.to_id, t.id)
      FROM jsonb_to_recordset(p_links) AS d(id uuid, kind text, from_ord int, to_ord int, to_id uuid, event_id uuid)
      JOIN results f ON f.ord = d.from_ord AND f.status IN ('created', 'updated', 'unchanged')
      LEFT JOIN results t ON t.ord = d.to_ord
      WHERE coalesce(d.to_id, t.id) IS NOT NULL AND coalesce(d.to_id, t.id) <> f.id
        AND (d.to_ord IS NULL OR t.status IN ('created', 'updated', 'unchanged'))
      ORDER BY d.id
      ON CONFLICT (owner_id, from_id, kind, to_id) DO NOTHING
      RETURNING l.id, public.graph_link_json(l) AS doc
    ),
    events AS (
      INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
      SELECT ev.id, p_owner, ev.type, ev.subject, p_actor, ev.data, 1
      FROM (
        SELECT r.event_id AS id, 0 AS part, r.seq AS n, r.id::text AS subject,
               CASE r.status WHEN 'created' THEN 'data.EntityCreated' ELSE 'data.EntityUpdated' END AS type,
               jsonb_build_object('entity', public.graph_entity_json(r.row))
                 || CASE WHEN r.status = 'updated' THEN jsonb_build_object('changed', to_jsonb(r.changed)) ELSE '{}'::jsonb END
                 || CASE WHEN pi.list IS NOT NULL AND (r.status = 'created' OR 'identifiers' = ANY (r.changed))
                         THEN jsonb_build_object('identifiers', pi.list) ELSE '{}'::jsonb END AS data
        FROM results r LEFT JOIN person_identifiers pi ON pi.entity_id = r.id
        WHERE r.status IN ('created', 'updated')
        UNION ALL
        SELECT d.event_id, 1, 0, l.id::text, 'data.LinkCreated', jsonb_build_object('link', l.doc)
        FROM links l JOIN jsonb_to_recordset(p_links) AS d(id uuid, event_id uuid) ON d.id = l.id
      ) ev
      ORDER BY ev.part, ev.n, ev.id
      RETURNING 1
    )
    SELECT r.ord, r.id,
           CASE WHEN p_create AND r.status = 'conflict' THEN public.graph_ingest_refuse(r.ord) ELSE r.status END,
           CASE WHEN NOT p_return_json OR (r.row).id IS NULL THEN NULL
                WHEN r.type = 'person' THEN public.graph_with_identifiers(public.graph_entity_json(r.row), coalesce(pi.list, '[]'::json))
                ELSE public.graph_entity_json(r.row)::text END,
           (SELECT count(*) FROM links),
           (SELECT count(*) FROM events)
    FROM results r LEFT JOIN person_identifiers pi ON pi.entity_id = r.id
    ORDER BY r.ord;
  ELSE
    RETURN QUERY
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(p_entities) AS r(
        ord int, seq int, id uuid, type text, title text, body text, properties jsonb, source text, external_id text,
        occurred_at timestamptz, occurred_at_set boolean, keep boolean, adds_identifiers boolean, event_id uuid,
        owned text[])
    ),
    -- One probe of the (owner_id, source, external_id) unique index per item: LIMIT 1 keeps
    -- the planner from turning this into a scan of all the owner's entities (0005 did, with
    -- statistics from when the table was small: quadratic over a bulk ingest).
    before AS (SELECT i.ord, e.id, e.type, e.deleted_at IS NOT NULL AS deleted, e.title, e.body, e.properties, e.occurred_at
      FROM input i CROSS JOIN LATERAL (
        SELECT x.id, x.type, x.deleted_at, x.title, x.body, x.properties, x.occurred_at FROM public.entities x
        WHERE x.owner_id = p_owner AND x.source = i.source AND x.external_id = i.external_id
        LIMIT 1) e
      WHERE NOT p_create),
    changes AS (
      SELECT i.ord, b.id, array_remove(ARRAY[
               CASE WHEN i.title IS DISTINCT FROM b.title AND i.title IS NOT NULL THEN 'title' END,
               CASE WHEN i.body IS DISTINCT FROM b.body AND i.body IS NOT NULL THEN 'body' END,
               CASE WHEN i.properties IS NOT NULL AND (CASE WHEN i.owned IS NULL THEN i.properties
                              ELSE (b.properties - i.owned) || i.properties END) IS DISTINCT FROM b.properties
                    THEN 'properties' END,
               CASE WHEN i.occurred_at_set AND i.occurred_at IS DISTINCT FROM b.occurred_at THEN 'occurredAt' END,
               CASE WHEN i.adds_identifiers THEN 'identifiers' END], NULL) AS changed
      FROM input i JOIN before b ON b.ord = i.ord
      WHERE NOT i.keep AND NOT b.deleted AND b.type = i.type
    ),
    updated AS (
      UPDATE public.entities e SET
        title = coalesce(i.title, e.title),
        body = coalesce(i.body, e.body),
        properties = CASE WHEN i.properties IS NULL THEN e.properties WHEN i.owned IS NULL THEN i.properties
                          ELSE (e.properties - i.owned) || i.properties END,
        occurred_at = CASE WHEN i.occurred_at_set THEN i.occurred_at ELSE e.occurred_at END,
        version = e.version + 1,
        updated_at = greatest(now(), e.updated_at + interval '1 microsecond')
      FROM changes c JOIN input i ON i.ord = c.ord
      WHERE e.id = c.id AND cardinality(c.changed) > 0
      RETURNING c.ord, c.changed, e AS row
    ),
    inserted AS (
      INSERT INTO public.entities AS e (id, owner_id, type, title, body, properties, source, external_id, occurred_at)
      SELECT i.id, p_owner, i.type, coalesce(i.title, ''), coalesce(i.body, ''), coalesce(i.properties, '{}'::jsonb),
             i.source, i.external_id, i.occurred_at
      FROM input i WHERE NOT EXISTS (SELECT 1 FROM before b WHERE b.ord = i.ord)
      ORDER BY i.ord
      ON CONFLICT (owner_id, source, external_id) DO NOTHING
      RETURNING e AS row
    ),
    -- (row IS NULL is true only when every field is: test a column of the row instead.)
    results AS (
      SELECT i.ord, i.seq, i.type, i.event_id, coalesce(b.id, i.id) AS id, u.changed,
             coalesce(n.row, u.row) AS row,
             CASE WHEN b.id IS NULL THEN CASE WHEN (n.row).id IS NULL THEN 'conflict' ELSE 'created' END
                  WHEN b.type <> i.type THEN 'type_mismatch'
                  WHEN b.deleted THEN 'deleted'
                  WHEN u.ord IS NOT NULL THEN 'updated'
                  ELSE 'unchanged' END AS status
      FROM input i
      LEFT JOIN before b ON b.ord = i.ord
      LEFT JOIN inserted n ON (n.row).id = i.id
      LEFT JOIN updated u ON u.ord = i.ord
    ),
    idents AS (
      INSERT INTO public.identifiers AS x (id, owner_id, kind, value, entity_id)
      SELECT d.id, p_owner, d.kind, d.value, r.id
      FROM jsonb_to_recordset(p_identifiers) AS d(ord int, id uuid, kind text, value text)
      JOIN results r ON r.ord = d.ord AND r.status IN ('created', 'updated', 'unchanged')
      ON CONFLICT (owner_id, kind, value) DO NOTHING
      RETURNING x.entity_id, x.kind, x.value, public.graph_identifier_json(x) AS doc
    ),
    -- A person's identifiers after the change: those it had (the statement's snapshot) and the new.
    person_identifiers AS (
      SELECT s.entity_id, json_agg(s.doc ORDER BY s.kind, s.value) AS list
      FROM (
        SELECT x.entity_id, x.kind, x.value, public.graph_identifier_json(x) AS doc
        FROM results r JOIN public.identifiers x ON x.owner_id = p_owner AND x.entity_id = r.id
        WHERE r.status = 'updated' AND r.type = 'person'
        UNION ALL
        SELECT entity_id, kind, value, doc FROM idents
      ) s
      GROUP BY s.entity_id
    ),
    links AS (
      INSERT INTO public.entity_links AS l (id, owner_id, kind, from_id, to_id)
      SELECT d.id, p_owner, d.kind, f.id, coalesce(d.to_id, t.id)
      FROM jsonb_to_recordset(p_links) AS d(id uuid, kind text, from_ord int, to_ord int, to_id uuid, event_id uuid)
      JOIN results f ON f.ord = d.from_ord AND f.status IN ('created', 'updated', 'unchanged')
      LEFT JOIN results t ON t.ord = d.to_ord
      WHERE coalesce(d.to_id, t.id) IS NOT NULL AND coalesce(d.to_id, t.id) <> f.id
        AND (d.to_ord IS NULL OR t.status IN ('created', 'updated', 'unchanged'))
      ORDER BY d.id
      ON CONFLICT (owner_id, from_id, kind, to_id) DO NOTHING
      RETURNING l.id, public.graph_link_json(l) AS doc
    ),
    events AS (
      INSERT INTO made_open.outbox (id, owner_id, type, subject, actor, data, v)
      SELECT ev.id, p_owner, ev.type, ev.subject, p_actor, ev.data, 1
      FROM (
        SELECT r.event_id AS id, 0 AS part, r.seq AS n, r.id::text AS subject,
               CASE r.status WHEN 'created' THEN 'data.EntityCreated' ELSE 'data.EntityUpdated' END AS type,
               jsonb_build_object('entity', public.graph_entity_json(r.row))
                 || CASE WHEN r.status = 'updated' THEN jsonb_build_object('changed', to_jsonb(r.changed)) ELSE '{}'::jsonb END
                 || CASE WHEN pi.list IS NOT NULL AND (r.status = 'created' OR 'identifiers' = ANY (r.changed))
                         THEN jsonb_build_object('identifiers', pi.list) ELSE '{}'::jsonb END AS data
        FROM results r LEFT JOIN person_identifiers pi ON pi.entity_id = r.id
        WHERE r.status IN ('created', 'updated')
        UNION ALL
        SELECT d.event_id, 1, 0, l.id::text, 'data.LinkCreated', jsonb_build_object('link', l.doc)
        FROM links l JOIN jsonb_to_recordset(p_links) AS d(id uuid, event_id uuid) ON d.id = l.id
      ) ev
      ORDER BY ev.part, ev.n, ev.id
      RETURNING 1
    )
    SELECT r.ord, r.id,
           CASE WHEN p_create AND r.status = 'conflict' THEN public.graph_ingest_refuse(r.ord) ELSE r.status END,
           CASE WHEN NOT p_return_json OR (r.row).id IS NULL THEN NULL
                WHEN r.type = 'person' THEN public.graph_with_identifiers(public.graph_entity_json(r.row), coalesce(pi.list, '[]'::json))
                ELSE public.graph_entity_json(r.row)::text END,
           (SELECT count(*) FROM links),
           (SELECT count(*) FROM events)
    FROM results r LEFT JOIN person_identifiers pi ON pi.entity_id = r.id
    ORDER BY r.ord;
  END IF;
END
$fn$;
