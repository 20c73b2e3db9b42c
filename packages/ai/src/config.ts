import { createOllamaProvider, OLLAMA_DEFAULT_URL } from './ollama.ts';
import { createOpenRouterProvider, OPENROUTER_DEFAULT_URL } from './openrouter.ts';
import type { AiProvider } from './types.ts';

/**
 * Which providers a user has, from their wallet and the operator's defaults. The wallet holds
 * an OpenRouter key (`openrouter` credential) and an Ollama address (`ollama` credential);
 * OPENROUTER_URL replaces OpenRouter's address for everyone (a mirror, a stand-in), and
 * OLLAMA_URL names an Ollama the operator runs for every user of the hub.
 */
export interface ProviderSources {
  /** The secret of the user's `openrouter` credential. */
  openrouterKey?: string;
  /** The `url` of the user's `ollama` credential. */
  ollamaUrl?: string;
  /** The operator's variables, as config.providerUrls holds them. */
  operatorUrls: Readonly<Record<string, string>>;
  /** Sent to OpenRouter as HTTP-Referer and X-Title. */
  attribution: { referer: string; title: string };
}

export interface ConfiguredProviders {
  cloud: AiProvider | null;
  local: AiProvider | null;
}

export function configureProviders(sources: ProviderSources): ConfiguredProviders {
  const cloud = sources.openrouterKey
    ? createOpenRouterProvider({
        apiKey: sources.openrouterKey,
        baseURL: sources.operatorUrls.OPENROUTER_URL ?? OPENROUTER_DEFAULT_URL,
        ...sources.attribution,
      })
    : null;
  const ollamaHost = sources.ollamaUrl ?? sources.operatorUrls.OLLAMA_URL;
  const local = ollamaHost ? createOllamaProvider({ host: ollamaHost }) : null;
  return { cloud, local };
}

export { OLLAMA_DEFAULT_URL, OPENROUTER_DEFAULT_URL };
