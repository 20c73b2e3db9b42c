/**
 * Provider failures sorted by what the person has to do about them. `message` is written for
 * them (shown in the chat); `detail` is the provider's own words, for logs and support.
 */
export type AiErrorKind =
  /** The key was refused: replace it in Settings → Credentials. */
  | 'bad_key'
  /** The account has no credit left: add some at the provider. */
  | 'no_credit'
  /** The model id does not exist (any more) at the provider: pick another. */
  | 'model_gone'
  /** Ollama runs but does not have the model: `ollama pull <model>`. */
  | 'model_not_pulled'
  /** The provider could not be reached at its address. */
  | 'unreachable'
  /** Too many requests: try again shortly. */
  | 'rate_limited'
  /** The provider refused the content (moderation) or the routing (no provider meets the privacy terms). */
  | 'refused'
  /** The provider or its upstream model is down or timed out: try again or pick another model. */
  | 'unavailable'
  /** The request was stopped by the caller. */
  | 'cancelled'
  /** Anything else the provider answered. */
  | 'failed';

export class AiProviderError extends Error {
  constructor(
    readonly kind: AiErrorKind,
    readonly provider: 'openrouter' | 'ollama',
    message: string,
    readonly detail?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AiProviderError';
  }
}

const label = { openrouter: 'OpenRouter', ollama: 'Ollama' } as const;

/** The person-facing sentence for each kind (the model id where it helps). */
export function messageFor(kind: AiErrorKind, provider: 'openrouter' | 'ollama', model?: string): string {
  const name = label[provider];
  switch (kind) {
    case 'bad_key':
      return `${name} refused the API key. Replace it in Settings → Credentials (create one at openrouter.ai/keys).`;
    case 'no_credit':
      return `Your ${name} account has no credit left. Add credit at openrouter.ai/credits, or use a local model.`;
    case 'model_gone':
      return `${name} has no model "${model ?? '?'}" (any more). Pick another model in Settings → AI.`;
    case 'model_not_pulled':
      return `Ollama does not have the model "${model ?? '?'}". Run \`ollama pull ${model ?? '<model>'}\` on the Ollama machine, or pick an installed one.`;
    case 'unreachable':
      return `${name} could not be reached. Check that it runs and that its address in Settings → Credentials is right.`;
    case 'rate_limited':
      return `${name} is limiting requests right now. Try again in a minute.`;
    case 'refused':
      return `${name} refused this request (content rules, or no provider accepts the privacy terms for this model). Try another model.`;
    case 'unavailable':
      return `${name} or its model is unavailable right now. Try again, or pick another model.`;
    case 'cancelled':
      return 'Stopped.';
    case 'failed':
      return `${name} could not answer.`;
  }
}
