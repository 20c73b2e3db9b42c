-- Retention (events.prune, daily): processed-event markers are deleted by age.
CREATE INDEX IF NOT EXISTS processed_events_processed_at ON made_open.processed_events (processed_at);
