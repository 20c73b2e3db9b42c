-- Foreign keys that every link and identifier row checked for nothing (ingest profile,
-- docs/BENCHMARKS.md, "ingest path"): each insert ran one referential check per foreign key.
-- entity_links.owner_id and identifiers.owner_id also referenced auth.users directly, but
-- both rows already reference their entity by (owner_id, id): that entity's own foreign key
-- guarantees the owner exists, and deleting a user still removes them (users -> entities
-- -> links and identifiers, all ON DELETE CASCADE). Same integrity, one check less a row.
ALTER TABLE public.entity_links DROP CONSTRAINT IF EXISTS entity_links_owner_id_fkey;
ALTER TABLE public.identifiers DROP CONSTRAINT IF EXISTS identifiers_owner_id_fkey;
