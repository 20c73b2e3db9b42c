/**
 * The provider registry: one file per provider under providers/, registered here. Adding a
 * provider is one file plus one line below; the wallet, capabilities, plugin host and web
 * forms pick it up. Tests may register a provider of their own through the same API.
 */
import { generic } from './providers/generic.ts';
import { microsoft } from './providers/microsoft.ts';
import { ollama } from './providers/ollama.ts';
import { openrouter } from './providers/openrouter.ts';
import { createProviderRegistry } from './providers/registry.ts';
import { twilio } from './providers/twilio.ts';

export * from './providers/types.ts';
export * from './providers/registry.ts';
export { generic, microsoft, ollama, openrouter, twilio };

/** The built-in providers, in the order forms offer them. */
export const providerRegistry = createProviderRegistry([twilio, openrouter, microsoft, ollama, generic]);
