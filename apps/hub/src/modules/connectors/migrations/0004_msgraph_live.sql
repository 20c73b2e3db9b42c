-- Microsoft 365 change notifications and Teams presence (connectors/msgraph, issue 13 §4, §6).

-- A Graph subscription the hub made for a connection: one per synced resource (mail folder,
-- events, contacts). The clientState secret is kept only as its SHA-256: a notification's
-- clientState is hashed and compared in constant time, so a database read cannot forge one.
CREATE TABLE IF NOT EXISTS made_open.msgraph_subscriptions (
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  -- mail:<folder> | calendar | contacts (the sync's resource names)
  resource text NOT NULL CHECK (char_length(resource) <= 600),
  subscription_id text NOT NULL UNIQUE CHECK (char_length(subscription_id) <= 200),
  client_state_hash text NOT NULL CHECK (char_length(client_state_hash) = 64),
  expires_at timestamptz NOT NULL,
  last_notification_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  renewed_at timestamptz,
  PRIMARY KEY (connection_id, resource)
);
CREATE INDEX IF NOT EXISTS msgraph_subscriptions_expiry ON made_open.msgraph_subscriptions (expires_at);

-- Teams presence per colleague (work accounts): the directory lookup of a person's email
-- (cached; not_found / forbidden are remembered and retried a day later) and the latest
-- presence seen. The account's own row has is_self and no person.
CREATE TABLE IF NOT EXISTS made_open.msgraph_presence (
  connection_id uuid NOT NULL REFERENCES made_open.connections (id) ON DELETE CASCADE,
  owner_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (char_length(email) <= 320),
  person_id uuid,
  is_self boolean NOT NULL DEFAULT false,
  lookup text NOT NULL CHECK (lookup IN ('found', 'not_found', 'forbidden')),
  graph_user_id text CHECK (char_length(graph_user_id) <= 200),
  looked_up_at timestamptz NOT NULL DEFAULT now(),
  availability text CHECK (char_length(availability) <= 50),
  activity text CHECK (char_length(activity) <= 50),
  changed_at timestamptz,
  checked_at timestamptz,
  PRIMARY KEY (connection_id, email)
);
CREATE INDEX IF NOT EXISTS msgraph_presence_person ON made_open.msgraph_presence (owner_id, person_id);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['msgraph_subscriptions', 'msgraph_presence'] LOOP
    EXECUTE format('ALTER TABLE made_open.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE made_open.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON made_open.%I', t || '_own', t);
    EXECUTE format(
      'CREATE POLICY %I ON made_open.%I FOR ALL TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()))',
      t || '_own', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON made_open.%I TO authenticated, service_role', t);
  END LOOP;
END $$;
