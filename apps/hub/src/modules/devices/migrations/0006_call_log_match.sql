-- Call-log lines are matched to the same call seen through Twilio (issue 16 §5): by the
-- owner's calls around a start time. Partial, so it holds calls only.
CREATE INDEX IF NOT EXISTS entities_calls_by_time ON public.entities (owner_id, occurred_at)
  WHERE type = 'call' AND deleted_at IS NULL;
