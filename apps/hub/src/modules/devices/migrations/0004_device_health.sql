-- Capture health (issue 16 §6): a paired device that uploads nothing for quiet_minutes raises
-- one device.Quiet notification (quiet_notified_at), cleared by its next upload.
ALTER TABLE made_open.devices ADD COLUMN IF NOT EXISTS quiet_minutes integer NOT NULL DEFAULT 360
  CHECK (quiet_minutes BETWEEN 15 AND 10080);
ALTER TABLE made_open.devices ADD COLUMN IF NOT EXISTS quiet_notified_at timestamptz;
-- The quiet check reads only live paired devices.
CREATE INDEX IF NOT EXISTS devices_live ON made_open.devices (last_seen_at) WHERE token_hash IS NOT NULL AND revoked_at IS NULL;
