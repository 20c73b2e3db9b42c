import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { Embedder } from '@made-open/ai';
import type { EventsModule } from '../events/index.ts';
import type { JobsModule } from '../jobs/index.ts';
import type { SearchEngine } from '../search/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { createChat, type Chat } from './ai.chat.ts';
import { createClassesService, createContactClassesService, type ClassesService } from './ai.classes.ts';
import { createEgressLog, type EgressLog } from './ai.egress.ts';
import { embeddingsRoutes } from './ai.embeddings.routes.ts';
import { createEmbeddings, type Embeddings } from './ai.embeddings.ts';
import { createProviders } from './ai.providers.ts';
import { createRetrieval, type Retrieval } from './ai.retrieval.ts';
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
  /** The embedding job runs here (background priority). */
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  /** Graph events tell the embedder what changed. */
  events: Pick<EventsModule, 'subscribe'>;
  /** Tests and benchmarks: the offline embedder (default USE lite from the npm package). */
  offlineEmbedder?: Embedder;
}

export interface AiModule extends HubModule {
  chat: Chat;
  classes: ClassesService;
  egress: EgressLog;
  embeddings: Embeddings;
  retrieval: Retrieval;
}

/** Sent to OpenRouter with every request (its attribution headers): the app, not this hub's address. */
const attribution = { referer: 'https://github.com/made-open/made-open', title: 'Made Open' };

/** AI over the owner's own data (issue 15): see README.md. */
export function createAiModule(deps: AiModuleDeps): AiModule {
  const classes = createClassesService(deps.db);
  const contactClasses = createContactClassesService(deps.db);
  const egress = createEgressLog(deps.db);
  const providers = createProviders({ wallet: deps.wallet, config: deps.config, attribution });
  const embeddings = createEmbeddings({
    db: deps.db,
    logger: deps.logger,
    jobs: deps.jobs,
    events: deps.events,
    providers,
    ...(deps.offlineEmbedder ? { offline: deps.offlineEmbedder } : {}),
  });
  const retrieval = createRetrieval({
    db: deps.db,
    engine: () => deps.search.engine,
    embeddings,
    logger: deps.logger,
  });
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
  const chatRoutes = aiRoutes({ chat, classes, contactClasses, egress, providers });
  const vectorRoutes = embeddingsRoutes({ embeddings, retrieval });
  return {
    name: 'ai',
    chat,
    classes,
    egress,
    embeddings,
    retrieval,
    async routes(app) {
      await chatRoutes(app);
      await vectorRoutes(app);
    },
    start: () => embeddings.start(),
  };
}
