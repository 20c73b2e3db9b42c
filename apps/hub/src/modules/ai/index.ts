import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { SearchEngine } from '../search/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { createChat, type Chat } from './ai.chat.ts';
import { createClassesService, createContactClassesService, type ClassesService } from './ai.classes.ts';
import { createEgressLog, type EgressLog } from './ai.egress.ts';
import { createProviders } from './ai.providers.ts';
import { createRetrieval } from './ai.retrieval.ts';
import { aiRoutes } from './ai.routes.ts';

export const aiMigrations = {
  module: 'ai',
  dir: new URL('./migrations', import.meta.url).pathname,
};

export interface AiModuleDeps {
  config: Pick<Config, 'providerUrls' | 'trustedOrigins'>;
  db: Database;
  logger: Logger;
  wallet: Pick<WalletService, 'list' | 'unseal'>;
  /** The search module's engine (keyword retrieval). */
  search: { engine: SearchEngine };
  /** The owner's default region, for phone numbers in free text. */
  defaultRegionOf: (userId: string) => Promise<string | undefined>;
}

export interface AiModule extends HubModule {
  chat: Chat;
  classes: ClassesService;
  egress: EgressLog;
}

/** Sent to OpenRouter with every request (its attribution headers): the app, not this hub's address. */
const attribution = { referer: 'https://github.com/made-open/made-open', title: 'Made Open' };

/** AI over the owner's own data (issue 15): see README.md. */
export function createAiModule(deps: AiModuleDeps): AiModule {
  const classes = createClassesService(deps.db);
  const contactClasses = createContactClassesService(deps.db);
  const egress = createEgressLog(deps.db);
  const providers = createProviders({ wallet: deps.wallet, config: deps.config, attribution });
  const retrieval = createRetrieval({ db: deps.db, engine: () => deps.search.engine });
  const chat = createChat({
    db: deps.db,
    logger: deps.logger,
    retrieval,
    classes,
    contactClasses,
    providers,
    egress,
    defaultRegionOf: deps.defaultRegionOf,
  });
  return { name: 'ai', chat, classes, egress, routes: aiRoutes({ chat, classes, contactClasses, egress, providers }) };
}
