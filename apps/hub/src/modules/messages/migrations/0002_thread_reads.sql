-- Read state of SMS threads (GET /api/v1/messages/threads): per owner and thread, the time of
-- the newest message when the thread was last read. Inbound messages after it are unread.
CREATE TABLE IF NOT EXISTS made_open.message_thread_reads (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  thread_id text NOT NULL CHECK (char_length(thread_id) BETWEEN 1 AND 200),
  read_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, thread_id)
);

ALTER TABLE made_open.message_thread_reads ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.message_thread_reads FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS message_thread_reads_select_own ON made_open.message_thread_reads;
CREATE POLICY message_thread_reads_select_own ON made_open.message_thread_reads
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_thread_reads_insert_own ON made_open.message_thread_reads;
CREATE POLICY message_thread_reads_insert_own ON made_open.message_thread_reads
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_thread_reads_update_own ON made_open.message_thread_reads;
CREATE POLICY message_thread_reads_update_own ON made_open.message_thread_reads
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS message_thread_reads_delete_own ON made_open.message_thread_reads;
CREATE POLICY message_thread_reads_delete_own ON made_open.message_thread_reads
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.message_thread_reads TO authenticated, service_role;

-- The thread reads: one owner's SMS messages by thread, newest first (the thread list takes
-- the first of each thread, the thread view pages back through one).
CREATE INDEX IF NOT EXISTS entities_sms_thread ON public.entities
  (owner_id, (properties ->> 'threadId'), (coalesce(occurred_at, created_at)) DESC, id DESC)
  WHERE type = 'message' AND source = 'twilio' AND deleted_at IS NULL;
