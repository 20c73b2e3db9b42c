-- The index 0002 meant to create: its name is the pub_seq sequence's, so `CREATE UNIQUE
-- INDEX IF NOT EXISTS outbox_pub_seq` found that relation and skipped. Without it every
-- read in pub_seq order (embedded consumers, GET /api/v1/events, max(pub_seq)) scanned
-- the (owner_id, pub_seq) index or the table and sorted: a consumer lagging during a bulk
-- ingest re-read everything after its cursor on every batch (docs/BENCHMARKS.md). It also
-- enforces what the relay guarantees: one event per pub_seq.
CREATE UNIQUE INDEX IF NOT EXISTS outbox_pub_seq_key ON made_open.outbox (pub_seq) WHERE pub_seq IS NOT NULL;
