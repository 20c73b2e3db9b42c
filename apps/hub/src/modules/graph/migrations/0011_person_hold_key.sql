-- The advisory lock key of a person's hold, defined once: graph_hold_persons (below: the
-- shared locks writers take) and graph.hold.ts excludePersonHolds (the exclusive ones merges
-- and undos take) both call it, so the two sides cannot come to lock different keys. The key
-- is the one 0010 computed inline, so holds taken by a hub still on 0010 and merges on this
-- one (a rolling start) meet. No SET search_path, so the planner inlines it (each name is
-- qualified); collisions only make a writer wait for an unrelated merge.
CREATE OR REPLACE FUNCTION public.graph_person_hold_key(p_id uuid)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$ SELECT pg_catalog.hashtextextended('made_open.person-hold:' OPERATOR(pg_catalog.||) p_id::text, 0) $fn$;

REVOKE ALL ON FUNCTION public.graph_person_hold_key(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.graph_person_hold_key(uuid) TO authenticated, service_role;

-- 0010's function with the key above instead of its own copy of the expression; nothing else changed.
CREATE OR REPLACE FUNCTION public.graph_hold_persons(p_owner uuid, p_ids uuid[])
RETURNS TABLE (id uuid, live_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER
SET search_path = ''
AS $fn$
DECLARE
  -- Parallel arrays: each asked id, the live person it stands for so far (NULL: no person of
  -- the owner), and the person to lock and read next for it (NULL: done).
  asked uuid[];
  live uuid[];
  want uuid[];
BEGIN
  SELECT pg_catalog.array_agg(DISTINCT x) INTO asked FROM pg_catalog.unnest(p_ids) AS x WHERE x IS NOT NULL;
  IF asked IS NULL THEN
    RETURN;
  END IF;
  live := pg_catalog.array_fill(NULL::uuid, ARRAY[pg_catalog.cardinality(asked)]);
  want := asked;
  -- Merges repoint earlier tombstones, so one step after the first read reaches the live
  -- person; more only while merges race (eight at most, then the graph is inconsistent).
  FOR reads IN 0..9 LOOP
    IF pg_catalog.cardinality(pg_catalog.array_remove(want, NULL)) = 0 THEN
      RETURN QUERY SELECT a.asked_id, a.live_now FROM ROWS FROM (pg_catalog.unnest(asked), pg_catalog.unnest(live)) AS a(asked_id, live_now)
                    WHERE a.live_now IS NOT NULL;
      RETURN;
    END IF;
    EXIT WHEN reads = 9;
    -- One order on both sides (excludePersonHolds sorts too), so holds and merges cannot deadlock.
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(s.key)
       FROM (SELECT DISTINCT public.graph_person_hold_key(k) AS key
               FROM pg_catalog.unnest(want) AS k WHERE k IS NOT NULL ORDER BY 1) AS s;
    -- Read after the locks, in a snapshot of its own: a merge that committed meanwhile is seen.
    -- A person found is (so far) the live one; a merged one is followed to its survivor next. A
    -- survivor that is gone (never: merges keep it) leaves the tombstone's id.
    SELECT pg_catalog.array_agg(COALESCE(p.id, a.live_so_far) ORDER BY a.ord),
           pg_catalog.array_agg(p.merged_into_id ORDER BY a.ord)
      INTO live, want
      FROM ROWS FROM (pg_catalog.unnest(live), pg_catalog.unnest(want)) WITH ORDINALITY AS a(live_so_far, next_id, ord)
      LEFT JOIN public.entities p ON p.owner_id = p_owner AND p.id = a.next_id AND p.type = 'person';
  END LOOP;
  RAISE EXCEPTION 'A person merge chain did not end: the graph is inconsistent.';
END
$fn$;

REVOKE ALL ON FUNCTION public.graph_hold_persons(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.graph_hold_persons(uuid, uuid[]) TO authenticated, service_role;
