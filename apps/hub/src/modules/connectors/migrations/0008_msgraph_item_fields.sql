-- What an Outlook contact's fields were when the hub last saw it (sync or its own write): a
-- digest of the fields the hub writes (msgraph.mapping.ts contactFieldsDigest). A push refused
-- for a stale change key goes again when Outlook's copy still has those fields: its key moved
-- for something the hub does not write (a category, a photo, a flag), and nothing is lost.
ALTER TABLE made_open.msgraph_items ADD COLUMN IF NOT EXISTS fields_digest text;
