-- Embeddings (issue 15 §3): which embedding model each user chose (always), and the vectors
-- themselves (only where pgvector is available: PGlite, Supabase, a PostgreSQL with the
-- package). On a PostgreSQL without it this migration creates no vector table and the hub
-- reports vector features as off; nothing else depends on it.
CREATE TABLE IF NOT EXISTS made_open.ai_embedding_settings (
  owner_id uuid PRIMARY KEY DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  -- `use-lite-512` (offline, the default) or `ollama:<model>`.
  profile text NOT NULL CHECK (length(profile) BETWEEN 1 AND 200),
  -- When the user last asked for everything to be embedded again (progress counts from here).
  reembed_requested_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE made_open.ai_embedding_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_embedding_settings FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ai_embedding_settings_select_own ON made_open.ai_embedding_settings;
CREATE POLICY ai_embedding_settings_select_own ON made_open.ai_embedding_settings
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_embedding_settings_insert_own ON made_open.ai_embedding_settings;
CREATE POLICY ai_embedding_settings_insert_own ON made_open.ai_embedding_settings
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS ai_embedding_settings_update_own ON made_open.ai_embedding_settings;
CREATE POLICY ai_embedding_settings_update_own ON made_open.ai_embedding_settings
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE ON made_open.ai_embedding_settings TO authenticated, service_role;

DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RAISE NOTICE 'pgvector is not available: vector retrieval stays off';
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS vector;

  -- One vector per entity: its searchable text (title, body start, keywords) under the
  -- owner's current profile. `version` is the entity version embedded, so a changed entity
  -- (or a changed profile) shows up as pending without a queue table.
  CREATE TABLE IF NOT EXISTS made_open.ai_embeddings (
    owner_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
    entity_id uuid NOT NULL,
    profile text NOT NULL CHECK (length(profile) BETWEEN 1 AND 200),
    dims integer NOT NULL CHECK (dims BETWEEN 1 AND 4096),
    version integer NOT NULL,
    embedding vector NOT NULL,
    embedded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, entity_id),
    CONSTRAINT ai_embeddings_entity_fkey FOREIGN KEY (owner_id, entity_id)
      REFERENCES public.entities (owner_id, id) ON DELETE CASCADE,
    CONSTRAINT ai_embeddings_dims_match CHECK (vector_dims(embedding) = dims)
  );

  -- HNSW (cosine) for the default 512-dimension profile; the column takes any length, so
  -- the index is on the cast, partial on the length (pgvector's documented way to mix sizes).
  -- Other sizes (an Ollama model) get their index from the hub when first used.
  CREATE INDEX IF NOT EXISTS ai_embeddings_hnsw_512 ON made_open.ai_embeddings
    USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dims = 512;
  CREATE INDEX IF NOT EXISTS ai_embeddings_owner_profile ON made_open.ai_embeddings (owner_id, profile, entity_id);

  ALTER TABLE made_open.ai_embeddings ENABLE ROW LEVEL SECURITY;
  ALTER TABLE made_open.ai_embeddings FORCE ROW LEVEL SECURITY;

  DROP POLICY IF EXISTS ai_embeddings_select_own ON made_open.ai_embeddings;
  CREATE POLICY ai_embeddings_select_own ON made_open.ai_embeddings
    FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
  DROP POLICY IF EXISTS ai_embeddings_insert_own ON made_open.ai_embeddings;
  CREATE POLICY ai_embeddings_insert_own ON made_open.ai_embeddings
    FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
  DROP POLICY IF EXISTS ai_embeddings_update_own ON made_open.ai_embeddings;
  CREATE POLICY ai_embeddings_update_own ON made_open.ai_embeddings
    FOR UPDATE TO authenticated
    USING (owner_id = (SELECT auth.uid()))
    WITH CHECK (owner_id = (SELECT auth.uid()));
  DROP POLICY IF EXISTS ai_embeddings_delete_own ON made_open.ai_embeddings;
  CREATE POLICY ai_embeddings_delete_own ON made_open.ai_embeddings
    FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

  GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.ai_embeddings TO authenticated, service_role;
END
$migration$;
