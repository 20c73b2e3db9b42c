-- Supabase-compatible object storage: buckets and object metadata. The bytes live in the
-- blob store (DATA_DIR/storage or S3) under hub-generated keys; names only live here.
CREATE TABLE IF NOT EXISTS made_open.storage_buckets (
  -- Supabase's bucket id is its name, unique across the hub (public URLs carry it).
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  public boolean NOT NULL DEFAULT false,
  file_size_limit bigint CHECK (file_size_limit IS NULL OR file_size_limit >= 0),
  allowed_mime_types text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS storage_buckets_owner ON made_open.storage_buckets (owner_id);

CREATE TABLE IF NOT EXISTS made_open.storage_objects (
  id uuid PRIMARY KEY,
  bucket_id text NOT NULL REFERENCES made_open.storage_buckets (id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 1024),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  blob_key text NOT NULL UNIQUE CHECK (blob_key ~ '^[0-9a-f]{32}$'),
  size bigint NOT NULL CHECK (size >= 0),
  mime_type text NOT NULL,
  cache_control text,
  etag text NOT NULL,
  user_metadata jsonb,
  -- The `file` entity in the knowledge graph that stands for this object.
  entity_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_accessed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (bucket_id, name)
);
CREATE INDEX IF NOT EXISTS storage_objects_owner ON made_open.storage_objects (owner_id);
CREATE INDEX IF NOT EXISTS storage_objects_bucket_name ON made_open.storage_objects (bucket_id, name text_pattern_ops);

ALTER TABLE made_open.storage_buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.storage_buckets FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.storage_objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.storage_objects FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS storage_buckets_select_own ON made_open.storage_buckets;
CREATE POLICY storage_buckets_select_own ON made_open.storage_buckets
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS storage_buckets_insert_own ON made_open.storage_buckets;
CREATE POLICY storage_buckets_insert_own ON made_open.storage_buckets
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS storage_buckets_update_own ON made_open.storage_buckets;
CREATE POLICY storage_buckets_update_own ON made_open.storage_buckets
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS storage_buckets_delete_own ON made_open.storage_buckets;
CREATE POLICY storage_buckets_delete_own ON made_open.storage_buckets
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

-- Objects: the owner's own, and only inside a bucket the owner can see (their own).
DROP POLICY IF EXISTS storage_objects_select_own ON made_open.storage_objects;
CREATE POLICY storage_objects_select_own ON made_open.storage_objects
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS storage_objects_insert_own ON made_open.storage_objects;
CREATE POLICY storage_objects_insert_own ON made_open.storage_objects
  FOR INSERT TO authenticated WITH CHECK (
    owner_id = (SELECT auth.uid())
    AND EXISTS (SELECT 1 FROM made_open.storage_buckets b WHERE b.id = bucket_id)
  );
DROP POLICY IF EXISTS storage_objects_update_own ON made_open.storage_objects;
CREATE POLICY storage_objects_update_own ON made_open.storage_objects
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (
    owner_id = (SELECT auth.uid())
    AND EXISTS (SELECT 1 FROM made_open.storage_buckets b WHERE b.id = bucket_id)
  );
DROP POLICY IF EXISTS storage_objects_delete_own ON made_open.storage_objects;
CREATE POLICY storage_objects_delete_own ON made_open.storage_objects
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.storage_buckets TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.storage_objects TO authenticated, service_role;
