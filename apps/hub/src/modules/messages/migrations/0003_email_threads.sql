-- Email threads in the unified inbox (issue 13 §5, §7): one owner's email messages by their
-- provider conversation id (properties.threadId), newest first, as entities_sms_thread does for
-- texts. Whatever connector brought them (msgraph, a test one), channel says email.
CREATE INDEX IF NOT EXISTS entities_email_thread ON public.entities
  (owner_id, (properties ->> 'threadId'), (coalesce(occurred_at, created_at)) DESC, id DESC)
  WHERE type = 'message' AND properties ->> 'channel' = 'email' AND deleted_at IS NULL;

-- Email read marks are kept under "email:<conversation id>"; Graph's ids run past 200 characters
-- with the prefix, so the bound follows messages' threadId (500) instead.
ALTER TABLE made_open.message_thread_reads DROP CONSTRAINT IF EXISTS message_thread_reads_thread_id_check;
ALTER TABLE made_open.message_thread_reads
  ADD CONSTRAINT message_thread_reads_thread_id_check CHECK (char_length(thread_id) BETWEEN 1 AND 520);
