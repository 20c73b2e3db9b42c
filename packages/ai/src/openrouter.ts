import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { AiProviderError, messageFor, type AiErrorKind } from './errors.ts';
import type { AiProvider, ChatEvent, ChatMessage, ChatRequest, ModelInfo } from './types.ts';

/** OpenRouter's real address; OPENROUTER_URL (the operator's) or a test stand-in replaces it. */
export const OPENROUTER_DEFAULT_URL = 'https://openrouter.ai/api/v1';

/**
 * OpenRouter's provider routing (openrouter.ai/docs/features/provider-routing). Made Open's
 * default: only upstream providers that do not keep or train on the prompt.
 */
export interface ProviderPreferences {
  data_collection: 'allow' | 'deny';
  zdr: boolean;
  allow_fallbacks?: boolean;
}

export const privateRouting: ProviderPreferences = { data_collection: 'deny', zdr: true };

export interface OpenRouterConfig {
  apiKey: string;
  /** Base URL ending in /api/v1 (no trailing slash needed). */
  baseURL?: string;
  /** Attribution headers OpenRouter asks apps to send (HTTP-Referer, X-Title). */
  referer: string;
  title: string;
  /** Defaults to privateRouting. */
  routing?: ProviderPreferences;
  /** Retries of failed requests before the stream starts (the client's own backoff). */
  maxRetries?: number;
  timeoutMs?: number;
}

/** OpenRouter answers `error.code` = HTTP status; mid-stream errors carry it in the event. */
function kindOf(status: number | undefined, message: string): AiErrorKind {
  switch (status) {
    case 401:
      return 'bad_key';
    case 402:
      return 'no_credit';
    case 403:
    case 503: // no upstream provider meets the routing (the privacy terms)
      return 'refused';
    case 404:
      return 'model_gone';
    case 429:
      return 'rate_limited';
    case 408:
    case 500:
    case 502:
    case 504:
      return 'unavailable';
    case 400:
      return /not a valid model|model.*(not found|does not exist)|no endpoints found/i.test(message)
        ? 'model_gone'
        : 'failed';
    default:
      return 'failed';
  }
}

/** Any error the openai client throws, as an AiProviderError a person can act on. */
export function openRouterError(error: unknown, model?: string): AiProviderError {
  if (error instanceof AiProviderError) return error;
  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError'))
    return new AiProviderError('cancelled', 'openrouter', messageFor('cancelled', 'openrouter'));
  if (error instanceof APIConnectionError)
    return new AiProviderError('unreachable', 'openrouter', messageFor('unreachable', 'openrouter'), error.message);
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof body.code === 'number' ? body.code : Number(body.code);
    const status = error.status ?? (Number.isInteger(code) ? code : undefined);
    const detail = typeof body.message === 'string' ? body.message : error.message;
    const kind = kindOf(status, detail);
    return new AiProviderError(kind, 'openrouter', messageFor(kind, 'openrouter', model), detail, status);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new AiProviderError('failed', 'openrouter', messageFor('failed', 'openrouter'), detail);
}

interface OpenRouterUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  cost?: number;
}

interface OpenRouterModel {
  id: string;
  name?: string;
  context_length?: number;
  pricing?: { prompt?: string; completion?: string };
}

/** A tool call's arguments: the model's JSON object, or {} when it wrote something else. */
function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A message in the OpenAI shape: tool requests on the assistant turn, tool results by call id. */
function openAiMessage(m: ChatMessage) {
  if (m.role === 'tool') return { role: 'tool' as const, tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length)
    return {
      role: 'assistant' as const,
      content: m.content,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: JSON.stringify(c.arguments) },
      })),
    };
  return { role: m.role as 'system' | 'user' | 'assistant', content: m.content };
}

/** The OpenRouter provider over the `openai` 6.x client (Node 20; 7.x needs Node 22). */
export function createOpenRouterProvider(config: OpenRouterConfig): AiProvider {
  const client = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL ?? OPENROUTER_DEFAULT_URL,
    defaultHeaders: { 'HTTP-Referer': config.referer, 'X-Title': config.title },
    maxRetries: config.maxRetries ?? 1,
    timeout: config.timeoutMs ?? 120_000,
  });
  const routing = config.routing ?? privateRouting;

  return {
    id: 'openrouter',
    locality: 'cloud',

    async *chat(request: ChatRequest): AsyncGenerator<ChatEvent> {
      let stream;
      try {
        // `provider` and usage.cost are OpenRouter's additions to the OpenAI shape.
        const body = {
          model: request.model,
          messages: request.messages.map(openAiMessage),
          ...(request.tools?.length
            ? {
                tools: request.tools.map((t) => ({
                  type: 'function' as const,
                  function: { name: t.name, description: t.description, parameters: t.parameters },
                })),
              }
            : {}),
          stream: true as const,
          stream_options: { include_usage: true },
          ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          provider: routing,
        };
        stream = await client.chat.completions.create(body, { signal: request.signal });
      } catch (error) {
        throw openRouterError(error, request.model);
      }
      let model = request.model;
      let finishReason: string | null = null;
      let usage: OpenRouterUsage | undefined;
      // Tool calls stream in pieces by index: the id and name first, the arguments' JSON in parts.
      const calls = new Map<number, { id: string; name: string; args: string }>();
      try {
        for await (const chunk of stream) {
          if (chunk.model) model = chunk.model;
          const choice = chunk.choices[0];
          const text = choice?.delta?.content;
          if (text) yield { type: 'delta', text };
          for (const part of choice?.delta?.tool_calls ?? []) {
            const call = calls.get(part.index) ?? { id: '', name: '', args: '' };
            if (part.id) call.id = part.id;
            if (part.function?.name) call.name += part.function.name;
            if (part.function?.arguments) call.args += part.function.arguments;
            calls.set(part.index, call);
          }
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          if (chunk.usage) usage = chunk.usage as OpenRouterUsage;
        }
      } catch (error) {
        throw openRouterError(error, request.model);
      }
      if (request.signal?.aborted) throw openRouterError(new APIUserAbortError(), request.model);
      if (calls.size > 0)
        yield {
          type: 'tool_calls',
          calls: [...calls.entries()]
            .sort(([a], [b]) => a - b)
            .map(([index, c]) => ({ id: c.id || `call_${index}`, name: c.name, arguments: parseArguments(c.args) })),
        };
      yield {
        type: 'done',
        model,
        finishReason,
        usage: {
          promptTokens: usage?.prompt_tokens ?? 0,
          completionTokens: usage?.completion_tokens ?? 0,
          totalTokens: usage?.total_tokens ?? 0,
          costUsd: typeof usage?.cost === 'number' ? usage.cost : null,
        },
      };
    },

    async models(signal?: AbortSignal): Promise<ModelInfo[]> {
      try {
        const page = await client.models.list({ signal });
        const price = (value: string | undefined) => (value === undefined ? Number.NaN : Number(value));
        return (page.data as unknown as OpenRouterModel[]).map((m) => {
          const prompt = price(m.pricing?.prompt);
          const completion = price(m.pricing?.completion);
          return {
            id: m.id,
            name: m.name ?? m.id,
            contextLength: typeof m.context_length === 'number' ? m.context_length : null,
            pricing: Number.isFinite(prompt) && Number.isFinite(completion) ? { prompt, completion } : null,
          };
        });
      } catch (error) {
        throw openRouterError(error);
      }
    },
  };
}
