import type { Config } from '../../platform/config.ts';
import type { Database, Sql } from '../../platform/db/index.ts';
import type { HubModule } from '../../platform/module.ts';
import type { PhoneOptions } from '@made-open/shared';
import type { CalendarService } from '../calendar/index.ts';
import type { GraphService, Ingest, RemoveExternal } from '../graph/index.ts';
import { createAppPasswords, type AppPasswords } from './dav.passwords.ts';
import { davRoutes } from './dav.routes.ts';
import { createDavService, type DavService } from './dav.service.ts';

export type { DavService } from './dav.service.ts';
export type { AppPasswords } from './dav.passwords.ts';

export const davMigrations = {
  module: 'dav',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface DavModuleDeps {
  config: Pick<Config, 'publicUrl'>;
  db: Database;
  /** Graph ingest and its remover: every PUT and DELETE from a phone is a graph write with its events. */
  ingest: Ingest;
  removeExternal: RemoveExternal;
  /** Entities made in the web app have no provenance key: their edits go through the graph's update. */
  graph: Pick<GraphService, 'updateEntity' | 'deleteEntity'>;
  /** Account settings' default region, for phone numbers written without a country code. */
  defaultRegionOf?: (tx: Sql, userId: string) => Promise<PhoneOptions['defaultCountry'] | undefined>;
  /** A connected calendar's events (Microsoft 365): a phone's edit is written there first, as the web app's is. */
  calendar?: Pick<CalendarService, 'update' | 'remove' | 'writesThrough'>;
}

export interface DavModule extends HubModule {
  service: DavService;
  passwords: AppPasswords;
}

/**
 * CardDAV and CalDAV for phones (issue 18 §4): /.well-known discovery, one address book
 * (the account's persons) and one calendar (its events), HTTP Basic with app passwords.
 * See README.md.
 */
export function createDavModule(deps: DavModuleDeps): DavModule {
  const passwords = createAppPasswords({ db: deps.db });
  const service = createDavService({
    db: deps.db,
    ingest: deps.ingest,
    removeExternal: deps.removeExternal,
    graph: deps.graph,
    defaultRegionOf: deps.defaultRegionOf,
    calendar: deps.calendar,
  });
  return {
    name: 'dav',
    service,
    passwords,
    routes: davRoutes({ service, passwords, publicUrl: deps.config.publicUrl }),
  };
}
