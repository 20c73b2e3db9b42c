-- The version of the hub's entity that a sync page last wrote from this item (Outlook's copy
-- stored over it), NULL when no sync has written it since this column exists. A hub edit of a
-- contact whose push finds the person newer than the edit, at exactly this version, was
-- overwritten by a sync that brought a concurrent Outlook change before the push could be sent:
-- msgraph.contacts-push.ts records that as a conflict instead of losing the edit.
ALTER TABLE made_open.msgraph_items ADD COLUMN IF NOT EXISTS synced_version integer;
-- The person's version whose state a push last sent to Outlook: an edit's event delivered again
-- after its push (at least once delivery) is not taken for one a sync overtook.
ALTER TABLE made_open.msgraph_items ADD COLUMN IF NOT EXISTS pushed_version integer;
