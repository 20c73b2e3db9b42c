-- Stored AI conversations (issue 15 §5): each question and answer, the sources the answer
-- read (entity ids, numbered as cited) and how it was made. Owner only (RLS); deleting a
-- conversation deletes its messages.

CREATE TABLE IF NOT EXISTS made_open.ai_conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ai_conversations_owner_updated
  ON made_open.ai_conversations (owner_id, updated_at DESC, id DESC);

-- role 'user' is a question; 'assistant' an answer with its sources, citations and `done`
-- (route, model, what was redacted). `sensitive`: the answer read sensitive data, so a
-- follow-up that carries it as history goes to a local model only.
CREATE TABLE IF NOT EXISTS made_open.ai_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES made_open.ai_conversations (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL CHECK (char_length(content) <= 100000),
  sources jsonb NOT NULL DEFAULT '[]'::jsonb,
  citations jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- The tools the answer called (reads through actions as the principal "ai"; proposed sends).
  tools jsonb NOT NULL DEFAULT '[]'::jsonb,
  done jsonb,
  error jsonb,
  sensitive boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX IF NOT EXISTS ai_messages_conversation
  ON made_open.ai_messages (conversation_id, created_at, id);

ALTER TABLE made_open.ai_conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_conversations FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.ai_messages FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ai_conversations_own ON made_open.ai_conversations;
CREATE POLICY ai_conversations_own ON made_open.ai_conversations
  FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));

-- A message belongs to a conversation of the same owner.
DROP POLICY IF EXISTS ai_messages_own ON made_open.ai_messages;
CREATE POLICY ai_messages_own ON made_open.ai_messages
  FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (
    owner_id = (SELECT auth.uid())
    AND EXISTS (SELECT 1 FROM made_open.ai_conversations c WHERE c.id = conversation_id AND c.owner_id = (SELECT auth.uid()))
  );

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.ai_conversations TO authenticated, service_role;
GRANT SELECT, INSERT, DELETE ON made_open.ai_messages TO authenticated, service_role;
