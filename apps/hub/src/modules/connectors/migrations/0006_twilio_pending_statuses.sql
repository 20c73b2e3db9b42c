-- Twilio status callbacks that arrived before their message was stored (connectors/twilio,
-- twilio.pending-status.ts). Twilio does not send a status callback twice, so one that finds
-- no message (the send is still storing it) is kept here, keyed by MessageSid, and applied
-- forward only by the twilio.apply-pending-status job once the message is there.
CREATE TABLE IF NOT EXISTS made_open.twilio_pending_statuses (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  message_sid text NOT NULL CHECK (message_sid ~ '^(SM|MM)[0-9a-fA-F]{32}$'),
  -- Ours (twilio.messages.ts MessageStatus), the most advanced one received.
  status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'read')),
  error_code integer CHECK (error_code BETWEEN 0 AND 999999),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, message_sid)
);
CREATE INDEX IF NOT EXISTS twilio_pending_statuses_connection ON made_open.twilio_pending_statuses (connection_id);

ALTER TABLE made_open.twilio_pending_statuses ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.twilio_pending_statuses FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS twilio_pending_statuses_own ON made_open.twilio_pending_statuses;
CREATE POLICY twilio_pending_statuses_own ON made_open.twilio_pending_statuses FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.twilio_pending_statuses TO authenticated, service_role;
