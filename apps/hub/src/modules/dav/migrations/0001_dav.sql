-- CardDAV / CalDAV (issue 18 §4). App passwords: one per phone or program, shown once.
-- Only the sha256 of the secret is kept (it is 32 random bytes, so a slow hash adds nothing);
-- `hint` is its last four characters, for the list. Revoking sets revoked_at.
CREATE TABLE IF NOT EXISTS made_open.dav_app_passwords (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  secret_hash text NOT NULL UNIQUE CHECK (char_length(secret_hash) = 64),
  hint text NOT NULL CHECK (char_length(hint) = 4),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS dav_app_passwords_owner ON made_open.dav_app_passwords (owner_id, created_at);

-- What a DAV client knows about an entity that the graph does not keep: the resource name it
-- chose (the last segment of its href), the vCard/iCalendar UID, and the properties the hub
-- does not map, kept verbatim so a phone's edit round-trips (X-ABLabel, VALARM, PHOTO ...).
-- Entities made elsewhere have no row: their name is <entity id>.vcf / .ics.
CREATE TABLE IF NOT EXISTS made_open.dav_resources (
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  entity_id uuid NOT NULL,
  collection text NOT NULL CHECK (collection IN ('contacts', 'calendar')),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  uid text NOT NULL CHECK (char_length(uid) BETWEEN 1 AND 500),
  extra text NOT NULL DEFAULT '' CHECK (char_length(extra) <= 4000000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_id, entity_id),
  UNIQUE (owner_id, collection, name),
  FOREIGN KEY (owner_id, entity_id) REFERENCES public.entities (owner_id, id) ON DELETE CASCADE
);

ALTER TABLE made_open.dav_app_passwords ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.dav_app_passwords FORCE ROW LEVEL SECURITY;
ALTER TABLE made_open.dav_resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE made_open.dav_resources FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS dav_app_passwords_own ON made_open.dav_app_passwords;
CREATE POLICY dav_app_passwords_own ON made_open.dav_app_passwords FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS dav_resources_own ON made_open.dav_resources;
CREATE POLICY dav_resources_own ON made_open.dav_resources FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));

GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.dav_app_passwords TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.dav_resources TO authenticated, service_role;
