-- Contact summaries (issue 15 §6): one cached summary per person, with the fingerprint of
-- what it was made from (the person and their linked entities, ids and versions). A change to
-- any of them changes the fingerprint, and the cached summary is no longer served.

CREATE TABLE IF NOT EXISTS made_open.ai_summaries (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  person_id uuid NOT NULL,
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  summary text NOT NULL CHECK (char_length(summary) <= 20000),
  sources jsonb NOT NULL DEFAULT '[]'::jsonb,
  done jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, person_id)
);

ALTER TABLE made_open.ai_summaries ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_summaries FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ai_summaries_own ON made_open.ai_summaries;
CREATE POLICY ai_summaries_own ON made_open.ai_summaries
  FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.ai_summaries TO authenticated, service_role;
