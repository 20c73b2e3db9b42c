-- SMS threads follow person merges (issue 12: an unknown number's person is merged into a
-- contact later). A thread id is sms:<own number>:<person id>, so a merge re-keys the merged
-- person's messages to the survivor's thread; this journal says exactly which, per merge and
-- own number, with both read marks as they were, so undoing the merge puts them back.
CREATE TABLE IF NOT EXISTS made_open.message_thread_merges (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  -- The graph's merge (public.person_merges.id); no foreign key: that table is the graph's.
  merge_id uuid NOT NULL,
  from_thread text NOT NULL CHECK (char_length(from_thread) BETWEEN 1 AND 200),
  to_thread text NOT NULL CHECK (char_length(to_thread) BETWEEN 1 AND 200),
  -- The messages moved: only these go back on undo (later ones stay with the survivor).
  message_ids uuid[] NOT NULL,
  -- The read marks of both threads before the merge, and the one the merge set on to_thread.
  from_read_at timestamptz,
  to_read_at timestamptz,
  merged_read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, merge_id, from_thread)
);

ALTER TABLE made_open.message_thread_merges ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.message_thread_merges FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS message_thread_merges_select_own ON made_open.message_thread_merges;
CREATE POLICY message_thread_merges_select_own ON made_open.message_thread_merges
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_thread_merges_insert_own ON made_open.message_thread_merges;
CREATE POLICY message_thread_merges_insert_own ON made_open.message_thread_merges
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_thread_merges_update_own ON made_open.message_thread_merges;
CREATE POLICY message_thread_merges_update_own ON made_open.message_thread_merges
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_thread_merges_delete_own ON made_open.message_thread_merges;
CREATE POLICY message_thread_merges_delete_own ON made_open.message_thread_merges
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

REVOKE ALL ON made_open.message_thread_merges FROM anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.message_thread_merges TO authenticated, service_role;

-- A merge finds the merged person's messages on every own number at once: by the person part
-- of the thread id. Deleted messages included, so they move with their thread too.
CREATE INDEX IF NOT EXISTS entities_sms_thread_person ON public.entities
  (owner_id, (split_part(properties ->> 'threadId', ':', 3)))
  WHERE type = 'message' AND source = 'twilio';
