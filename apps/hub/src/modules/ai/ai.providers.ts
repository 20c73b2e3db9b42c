import { lookup } from 'node:dns/promises';
import { configureProviders, type AiProvider } from '@made-open/ai';
import { isPrivateAddress } from '../../platform/http/outbound/address.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { WalletService } from '../wallet/index.ts';

/** The cloud model asked when the request names none (cheap, fast, widely served). */
export const DEFAULT_CLOUD_MODEL = 'openai/gpt-4o-mini';

export interface UserProviders {
  cloud: AiProvider | null;
  local: AiProvider | null;
  /** Why the user's Ollama address is not used, when it is not. */
  localProblem?: string;
}

export interface ProvidersDeps {
  wallet: Pick<WalletService, 'list' | 'unseal'>;
  config: { providerUrls: Readonly<Record<string, string>>; trustedOrigins: readonly string[] };
  attribution: { referer: string; title: string };
}

/**
 * A user's model providers, from their wallet (newest credential of each type that has not
 * failed its test) and the operator's OPENROUTER_URL / OLLAMA_URL. The model clients stream,
 * which the outbound client does not, so the outbound rule is applied here: a user's Ollama
 * address on a private network is used only when the operator trusts that origin
 * (OLLAMA_URL set to it, or the loopback default).
 */
export function createProviders(deps: ProvidersDeps) {
  async function newest(user: AuthenticatedUser, type: 'openrouter' | 'ollama') {
    const candidates = (await deps.wallet.list(user))
      .filter((c) => c.type === type && c.lastTestOk !== false)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (!candidates[0]) return undefined;
    return deps.wallet.unseal(user.id, candidates[0].id);
  }

  async function reachable(url: string): Promise<string | undefined> {
    const parsed = new URL(url);
    if (deps.config.trustedOrigins.includes(parsed.origin)) return undefined;
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const addresses = await lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0) return `The Ollama address ${parsed.origin} does not resolve.`;
    if (addresses.some((a) => isPrivateAddress(a.address)))
      return `The Ollama address ${parsed.origin} is on a private network this hub's operator has not allowed: ask them to set OLLAMA_URL to it.`;
    return undefined;
  }

  return {
    async forUser(user: AuthenticatedUser): Promise<UserProviders> {
      const [openrouter, ollama] = await Promise.all([newest(user, 'openrouter'), newest(user, 'ollama')]);
      const apiKey = typeof openrouter?.secret.apiKey === 'string' ? openrouter.secret.apiKey : undefined;
      const ollamaUrl = typeof ollama?.secret.url === 'string' ? ollama.secret.url : undefined;
      const localProblem = ollamaUrl ? await reachable(ollamaUrl) : undefined;
      const configured = configureProviders({
        openrouterKey: apiKey,
        ollamaUrl: localProblem ? undefined : ollamaUrl,
        operatorUrls: deps.config.providerUrls,
        attribution: deps.attribution,
      });
      return { ...configured, ...(localProblem ? { localProblem } : {}) };
    },
  };
}

export type Providers = ReturnType<typeof createProviders>;
