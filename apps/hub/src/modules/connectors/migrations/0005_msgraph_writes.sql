-- Microsoft 365 write-back (connectors/msgraph, issue 13 §5): a change key the hub wrote itself
-- (our PATCH, POST or RSVP). When delta brings an item with exactly that key, it is our own
-- write coming back: the sync skips it (no echo). The next time the sync saves the item, the
-- mark is cleared, so later replays are ordinary upserts.
ALTER TABLE made_open.msgraph_items ADD COLUMN IF NOT EXISTS written_by_hub boolean NOT NULL DEFAULT false;
