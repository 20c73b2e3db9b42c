-- Devices (issue 16 §1): a device its owner paired from the web. Only the sha256 of the
-- device token is kept; the token is scoped to device ingestion (POST /device-events) and
-- is useless as a user session. Revoking sets revoked_at and the token stops working.
CREATE TABLE IF NOT EXISTS made_open.devices (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('agent', 'owntracks', 'phone', 'other')),
  clipboard boolean NOT NULL DEFAULT false,
  token_hash text UNIQUE CHECK (char_length(token_hash) = 64),
  created_at timestamptz NOT NULL DEFAULT now(),
  paired_at timestamptz,
  last_seen_at timestamptz,
  revoked_at timestamptz,
  -- The target of device_events' composite foreign key: an event's owner is its device's.
  UNIQUE (owner_id, id)
);
CREATE INDEX IF NOT EXISTS devices_owner ON made_open.devices (owner_id, created_at);

-- One-time pairing codes: short-lived, single use, kept as sha256. The unauthenticated
-- exchange reads them as system (the code is the credential).
CREATE TABLE IF NOT EXISTS made_open.device_pairing_codes (
  code_hash text PRIMARY KEY CHECK (char_length(code_hash) = 64),
  owner_id uuid NOT NULL,
  device_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (owner_id, device_id) REFERENCES made_open.devices (owner_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS device_pairing_codes_device ON made_open.device_pairing_codes (device_id);

ALTER TABLE made_open.devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.devices FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_pairing_codes ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.device_pairing_codes FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS devices_own ON made_open.devices;
CREATE POLICY devices_own ON made_open.devices FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS device_pairing_codes_own ON made_open.device_pairing_codes;
CREATE POLICY device_pairing_codes_own ON made_open.device_pairing_codes FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.devices TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.device_pairing_codes TO authenticated, service_role;
