-- Request rate limits (@fastify/rate-limit) counted in one place for every hub instance on
-- this database (platform/http/rate-limit, ADR 0035). Used on PostgreSQL with NATS_URL, where
-- several instances may serve one database; embedded PGlite and a single PostgreSQL hub count
-- in memory.
--
-- One row per limited route and client key (its IP, mostly), in a fixed window that starts at
-- the first request: the key is the SHA-256 of route and client, so a hostile key (a very long
-- forwarded address) costs 32 bytes like any other. Rows whose window has passed are swept.
--
-- UNLOGGED: a count is written on every limited request, and a logged write waits for its WAL
-- flush at commit (about 2.7 ms of the 3 ms per count measured here, BENCHMARKS.md). What an
-- unlogged table gives up is fine for counts of a minute or an hour: after a crash of the
-- database, or on a failover replica, they start from zero.
CREATE UNLOGGED TABLE IF NOT EXISTS made_open.rate_limit_hits (
  key bytea PRIMARY KEY CHECK (octet_length(key) = 32),
  hits integer NOT NULL CHECK (hits > 0),
  resets_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_limit_hits_resets_at ON made_open.rate_limit_hits (resets_at);

-- System only: no request role may read which clients are being limited or reset a count.
ALTER TABLE made_open.rate_limit_hits ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.rate_limit_hits FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS rate_limit_hits_system ON made_open.rate_limit_hits;
CREATE POLICY rate_limit_hits_system ON made_open.rate_limit_hits
  FOR ALL TO service_role USING (true) WITH CHECK (true);
REVOKE ALL ON made_open.rate_limit_hits FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.rate_limit_hits TO service_role;
