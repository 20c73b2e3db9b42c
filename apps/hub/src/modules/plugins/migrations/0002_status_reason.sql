-- Why a plugin is disabled when the hub did it (it brought its runtime down), so the web app
-- can say so beside the status. NULL when the user changed the status themselves.
ALTER TABLE made_open.plugin_installations ADD COLUMN IF NOT EXISTS status_reason text;
