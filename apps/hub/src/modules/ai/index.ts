import type { Config } from '../../platform/config.ts';
import type { Database } from '../../platform/db/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { HubModule } from '../../platform/module.ts';
import type { Embedder } from '@made-open/ai';
import type { ActionsService } from '../actions/index.ts';
import type { EventsModule } from '../events/index.ts';
import type { JobsModule } from '../jobs/index.ts';
import type { ThreadsService } from '../messages/index.ts';
import type { SearchEngine } from '../search/index.ts';
import type { WalletService } from '../wallet/index.ts';
import { assistantRoutes } from './ai.assistant.routes.ts';
import { createChat, type Chat } from './ai.chat.ts';
import { createClassesService, createContactClassesService, type ClassesService } from './ai.classes.ts';
import { createContext } from './ai.context.ts';
import { createConversations, type Conversations } from './ai.conversations.ts';
import { createDrafts, type Drafts } from './ai.drafts.ts';
import { createEgressLog, type EgressLog } from './ai.egress.ts';
import { embeddingsRoutes } from './ai.embeddings.routes.ts';
import { createEmbeddings, type Embeddings } from './ai.embeddings.ts';
import { createGenerate } from './ai.generate.ts';
import { createProviders } from './ai.providers.ts';
import { createRetrieval, type Retrieval } from './ai.retrieval.ts';
import { aiRoutes } from './ai.routes.ts';
import type { RuleAi } from './ai.rules.ts';
import { createSummaries, type Summaries } from './ai.summaries.ts';

export { graphSearchAction } from './ai.tools.ts';
export { aiRuleActions, AI_GENERATE, type RuleAi } from './ai.rules.ts';

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
  /** The assistant's tools run through these actions as the principal `ai` (ADR 0010). */
  actions: Pick<ActionsService, 'invoke'>;
  /** The messages module's threads ("draft a reply" reads one as the user). */
  threads: Pick<ThreadsService, 'thread'>;
  /** Tests and benchmarks: the offline embedder (default USE lite from the npm package). */
  offlineEmbedder?: Embedder;
}

export interface AiModule extends HubModule {
  chat: Chat;
  conversations: Conversations;
  drafts: Drafts;
  summaries: Summaries;
  classes: ClassesService;
  egress: EgressLog;
  embeddings: Embeddings;
  retrieval: Retrieval;
  /** What the rules' AI actions (ai.summarize, ai.draftReply) call: the same generate as chat. */
  ruleAi: RuleAi;
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
  const contextOf = createContext({ classes, contactClasses, defaultRegionOf: deps.defaultRegionOf });
  const generate = createGenerate({ logger: deps.logger, providers, egress });
  const conversations = createConversations(deps.db);
  const chat = createChat({ retrieval, contextOf, generate, conversations, actions: deps.actions });
  const drafts = createDrafts({ threads: deps.threads, contextOf, generate });
  const summaries = createSummaries({ db: deps.db, contextOf, generate });
  const chatRoutes = aiRoutes({ chat, conversations, classes, contactClasses, egress, providers });
  const helperRoutes = assistantRoutes({ conversations, drafts, summaries });
  const vectorRoutes = embeddingsRoutes({ embeddings, retrieval });
  return {
    name: 'ai',
    chat,
    conversations,
    drafts,
    summaries,
    classes,
    egress,
    embeddings,
    retrieval,
    ruleAi: { generate, contextOf, drafts, summaries, threads: deps.threads },
    async routes(app) {
      await chatRoutes(app);
      await vectorRoutes(app);
      await helperRoutes(app);
    },
    start: () => embeddings.start(),
  };
}
