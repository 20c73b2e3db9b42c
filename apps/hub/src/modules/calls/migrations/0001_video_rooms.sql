-- Video rooms (issue 12 §6): one row per room its owner opened from a contact page, with the
-- room's single guest link. Only the link token's sha256 is kept; the link stops working when
-- it expires or the owner ends the room. The guest exchange (no account) reads it as system.
CREATE TABLE IF NOT EXISTS made_open.video_rooms (
  room text PRIMARY KEY CHECK (room ~ '^call-[0-9a-f-]{36}$'),
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  person_id uuid NOT NULL,
  -- The Twilio credential whose API Key signs this room's tokens (the owner's and the guest's).
  credential_id uuid NOT NULL,
  connection_id uuid,
  guest_token_hash text NOT NULL UNIQUE CHECK (char_length(guest_token_hash) = 64),
  guest_expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS video_rooms_owner ON made_open.video_rooms (owner_id, created_at);

ALTER TABLE made_open.video_rooms ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.video_rooms FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS video_rooms_select_own ON made_open.video_rooms;
CREATE POLICY video_rooms_select_own ON made_open.video_rooms
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS video_rooms_insert_own ON made_open.video_rooms;
CREATE POLICY video_rooms_insert_own ON made_open.video_rooms
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS video_rooms_update_own ON made_open.video_rooms;
CREATE POLICY video_rooms_update_own ON made_open.video_rooms
  FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS video_rooms_delete_own ON made_open.video_rooms;
CREATE POLICY video_rooms_delete_own ON made_open.video_rooms
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.video_rooms TO authenticated, service_role;
