export * from './types.ts';
export * from './errors.ts';
export {
  createOpenRouterProvider,
  openRouterError,
  privateRouting,
  type OpenRouterConfig,
  type ProviderPreferences,
} from './openrouter.ts';
export { createOllamaProvider, ollamaError, type OllamaConfig } from './ollama.ts';
export {
  configureProviders,
  OLLAMA_DEFAULT_URL,
  OPENROUTER_DEFAULT_URL,
  type ConfiguredProviders,
  type ProviderSources,
} from './config.ts';
export {
  cosine,
  createHashingEmbedder,
  createOllamaEmbedder,
  createUseLiteEmbedder,
  normalise,
  OLLAMA_PROFILE_PREFIX,
  USE_LITE_PROFILE,
  type Embedder,
} from './embeddings.ts';
