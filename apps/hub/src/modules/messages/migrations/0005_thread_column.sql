-- A message's thread as a plain column, so thread reads under RLS can use an index.
-- Under the reader's policy only leakproof tests may be index conditions, and
-- `properties ->> 'threadId' = $1` is not (`->>` is not leakproof): the thread list's
-- per-thread counts and a thread's page each read every message the owner has, so an inbox of
-- 10,000 emails took 370 ms to list and each more message made it slower (docs/BENCHMARKS.md,
-- twenty-second session). A comparison of text columns is leakproof. Adding a stored column
-- rewrites public.entities once.
ALTER TABLE public.entities
  ADD COLUMN IF NOT EXISTS thread_id text GENERATED ALWAYS AS (
    CASE WHEN type = 'message' THEN properties ->> 'threadId' END
  ) STORED;

-- A thread's messages, newest first (its page, its counts, its read mark), for either channel.
CREATE INDEX IF NOT EXISTS entities_message_thread ON public.entities
  (owner_id, thread_id, (coalesce(occurred_at, created_at)) DESC, id DESC)
  WHERE type = 'message' AND deleted_at IS NULL AND thread_id IS NOT NULL;

-- The thread list walks each channel's messages newest first and keeps the newest of each
-- thread, so a page reads about as many messages as it shows threads.
CREATE INDEX IF NOT EXISTS entities_email_newest ON public.entities
  (owner_id, (coalesce(occurred_at, created_at)) DESC, id DESC)
  WHERE type = 'message' AND properties ->> 'channel' = 'email' AND deleted_at IS NULL AND thread_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS entities_sms_newest ON public.entities
  (owner_id, (coalesce(occurred_at, created_at)) DESC, id DESC)
  WHERE type = 'message' AND source = 'twilio' AND deleted_at IS NULL AND thread_id IS NOT NULL;

-- How many of an owner's rows are email: without statistics on the expression the planner
-- guesses 0.5 % and hashes every email to find a page's threads instead of walking the newest.
CREATE STATISTICS IF NOT EXISTS public.entities_message_channel ON (properties ->> 'channel') FROM public.entities;

-- Replaced by the three above.
DROP INDEX IF EXISTS public.entities_email_thread;
DROP INDEX IF EXISTS public.entities_sms_thread;
