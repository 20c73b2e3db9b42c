-- Passages (issue 15 §4, ADR 0017 appendix): a long entity is split into overlapping
-- passages (at most 64), each with its own vector, so the part of a long email or note that
-- answers a question is found. `chunk` is the passage's 0-based index; a short entity keeps
-- one row (chunk 0). The embedding job replaces an entity's rows in one transaction, so a
-- chunk-0 row at the entity's version means every passage of that version is there.
-- Only where the vector table exists (pgvector available, migration 0003): on a PostgreSQL
-- without pgvector there is nothing to change and vector features stay off.
DO $migration$
BEGIN
  IF to_regclass('made_open.ai_embeddings') IS NULL THEN
    RAISE NOTICE 'no vector table (pgvector is not available): passages stay off';
    RETURN;
  END IF;

  ALTER TABLE made_open.ai_embeddings ADD COLUMN IF NOT EXISTS chunk integer NOT NULL DEFAULT 0;
  ALTER TABLE made_open.ai_embeddings DROP CONSTRAINT IF EXISTS ai_embeddings_chunk_range;
  ALTER TABLE made_open.ai_embeddings ADD CONSTRAINT ai_embeddings_chunk_range CHECK (chunk BETWEEN 0 AND 63);
  ALTER TABLE made_open.ai_embeddings DROP CONSTRAINT IF EXISTS ai_embeddings_pkey;
  ALTER TABLE made_open.ai_embeddings ADD CONSTRAINT ai_embeddings_pkey PRIMARY KEY (owner_id, entity_id, chunk);

  -- Vectors made from the first 1,000 characters of a longer text: removed, so the job
  -- (queued for every owner at start) embeds those entities again as passages. Shorter
  -- entities are one passage of the same text as before and keep their vectors.
  DELETE FROM made_open.ai_embeddings v
   USING public.entities e
   WHERE e.owner_id = v.owner_id AND e.id = v.entity_id
     AND length(e.title) + 1 + length(e.body) > 1000;
END
$migration$;
