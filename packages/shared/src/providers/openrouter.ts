import { z } from 'zod';
import { defineProvider } from './types.ts';

/** OpenRouter (integrations.md §4.1): one API key, sent as a Bearer token. */
export const openrouter = defineProvider({
  id: 'openrouter',
  label: 'OpenRouter',
  noun: 'an OpenRouter key',
  description: 'Cloud AI models through OpenRouter.',
  where: 'Create a key at openrouter.ai/keys.',
  example: 'OpenRouter',
  fields: [{ name: 'apiKey', label: 'API key', kind: 'secret' }],
  secret: z.object({
    apiKey: z
      .string()
      .trim()
      .min(8, 'Paste the whole API key (at least 8 characters).')
      .max(500, 'That is longer than an API key.'),
  }),
  secretHome: 'Put the key in apiKey.',
  endpoints: { api: { url: 'https://openrouter.ai/api/v1', env: 'OPENROUTER_URL' } },
  send: { hosts: ['openrouter.ai'], via: [{ as: 'bearer', token: 'apiKey' }] },
  capabilities: [
    { name: 'ai.cloud', label: 'Cloud AI', description: 'Summaries, drafting and search help from hosted AI models.' },
  ],
  test: {
    // GET /key describes the key (usage, limit) or answers 401 {error: {message}}.
    base: { endpoint: 'api' },
    method: 'GET',
    path: '/key',
    auth: { as: 'bearer', token: 'apiKey' },
    read({ status, body }) {
      if (status >= 200 && status < 300) {
        const data = (body.data ?? {}) as Record<string, unknown>;
        return {
          ok: true,
          message: 'OpenRouter accepted this API key.',
          details: {
            usage: typeof data.usage === 'number' ? data.usage : null,
            limit: typeof data.limit === 'number' ? data.limit : null,
            isFreeTier: typeof data.is_free_tier === 'boolean' ? data.is_free_tier : null,
          },
        };
      }
      const error = (body.error ?? {}) as Record<string, unknown>;
      const text = typeof error.message === 'string' ? `: ${error.message}` : '';
      return {
        ok: false,
        message: `OpenRouter rejected this API key (HTTP ${status}${text}). Create a new key at openrouter.ai/keys.`,
      };
    },
  },
});
