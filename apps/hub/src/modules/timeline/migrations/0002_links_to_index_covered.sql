-- entity_links_timeline_to (0001: owner_id, to_id, from_at DESC, from_id DESC) starts with
-- the columns of the graph's entity_links_to (owner_id, to_id), so it serves every lookup
-- and the cascade of entity_links_to_fkey that one did. Keeping both cost every link insert
-- one more index entry (ingest profile, docs/BENCHMARKS.md, "ingest path").
DROP INDEX IF EXISTS public.entity_links_to;
