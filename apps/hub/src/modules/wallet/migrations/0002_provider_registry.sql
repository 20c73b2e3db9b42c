-- Credential types are the providers registered in code (packages/shared/src/providers.ts),
-- checked there: adding a provider needs no migration. The database keeps a shape check only.
ALTER TABLE made_open.credentials DROP CONSTRAINT IF EXISTS credentials_type_check;
ALTER TABLE made_open.credentials
  ADD CONSTRAINT credentials_type_shape CHECK (type ~ '^[a-z][a-z0-9-]{1,39}$');

-- The last test's reason, shown with its result and time until the next test. Replacing the
-- secret clears all three (the result said nothing about the new secret).
ALTER TABLE made_open.credentials
  ADD COLUMN IF NOT EXISTS last_test_message text CHECK (char_length(last_test_message) <= 1000);
