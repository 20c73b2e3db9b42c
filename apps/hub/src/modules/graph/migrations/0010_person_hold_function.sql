-- Holding persons against merges (graph.hold.ts) in one round trip. A hold takes a shared
-- transaction-level advisory lock per person, which merges and undos take exclusively, and then
-- reads the persons again to follow a merge that committed while it waited. That read must see
-- the merge, so it cannot be part of the statement that waited (READ COMMITTED takes one
-- snapshot a statement): it took a second round trip, and a third for a chain of merges. A
-- VOLATILE function takes a fresh snapshot for each query it runs, so one call does it all, and
-- a caller can hold the persons in the statement that looks them up (twilio.repository.ts).
--
-- Returns each given id that is a person of p_owner with the live person it is now (itself, or
-- the survivor it was merged into, held too). SECURITY INVOKER: the caller's RLS applies.
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
       FROM (SELECT DISTINCT pg_catalog.hashtextextended('made_open.person-hold:' || k::text, 0) AS key
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
