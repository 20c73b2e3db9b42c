import { z } from 'zod';
import { defineProvider } from './types.ts';

const httpUrl = (value: string) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * Ollama (integrations.md §4.2): an address, no secret. A server behind a password or token
 * is stored as a generic credential instead, so the address never has to carry one.
 */
export const ollama = defineProvider({
  id: 'ollama',
  label: 'Ollama',
  noun: 'an Ollama address',
  description: 'AI models running on a machine you control.',
  where: 'The address where Ollama listens, as the hub reaches it.',
  example: 'Home Ollama',
  fields: [
    {
      name: 'url',
      label: 'Ollama URL',
      kind: 'url',
      placeholder: 'http://127.0.0.1:11434',
      public: true,
      hintLabel: 'URL',
    },
  ],
  secret: z.object({
    url: z
      .string()
      .trim()
      .min(1, 'Enter the address where Ollama listens, like http://127.0.0.1:11434.')
      .refine(httpUrl, 'Enter a web address starting with http:// or https://, like http://127.0.0.1:11434.'),
  }),
  secretHome:
    'An Ollama credential has no secret field: for a server behind a password or token, store a generic credential instead, with the secret in headers or values and the host in allowedHosts.',
  endpoints: { api: { url: 'http://127.0.0.1:11434', env: 'OLLAMA_URL' } },
  // Nothing secret to send.
  send: { hosts: [], via: [] },
  capabilities: [
    {
      name: 'ai.local',
      label: 'Local AI',
      description: 'The same help from models that run on your own machine, so nothing leaves it.',
    },
  ],
  test: {
    // GET /api/tags lists the installed models.
    base: { field: 'url' },
    method: 'GET',
    path: '/api/tags',
    read({ status, body }) {
      if (status >= 200 && status < 300)
        return {
          ok: true,
          message: 'Ollama answered.',
          details: { models: Array.isArray(body.models) ? body.models.length : 0 },
        };
      return { ok: false, message: `Ollama answered HTTP ${status}. Check the URL.` };
    },
  },
});
