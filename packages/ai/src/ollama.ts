import { Ollama } from 'ollama/browser';
import { AiProviderError, messageFor, type AiErrorKind } from './errors.ts';
import type { AiProvider, ChatEvent, ChatRequest, ModelInfo, ToolCall } from './types.ts';

/** Where Ollama listens by default; the wallet's address or OLLAMA_URL replaces it. */
export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

export interface OllamaConfig {
  /** Base address, like http://127.0.0.1:11434. */
  host?: string;
  /** How long Ollama keeps the model loaded after a request (its keep_alive). */
  keepAlive?: string;
}

/** Ollama's ResponseError (not exported by the package): message and HTTP status. */
interface OllamaResponseError {
  name: 'ResponseError';
  error: string;
  status_code: number;
}

const isResponseError = (error: unknown): error is OllamaResponseError =>
  error instanceof Error && error.name === 'ResponseError' && 'status_code' in error;

export function ollamaError(error: unknown, model?: string): AiProviderError {
  if (error instanceof AiProviderError) return error;
  if (error instanceof Error && error.name === 'AbortError')
    return new AiProviderError('cancelled', 'ollama', messageFor('cancelled', 'ollama'));
  if (isResponseError(error)) {
    // "model \"x\" not found, try pulling it first" (404)
    const kind: AiErrorKind =
      error.status_code === 404 && /not found|pull/i.test(error.error)
        ? 'model_not_pulled'
        : error.status_code >= 500
          ? 'unavailable'
          : 'failed';
    return new AiProviderError(kind, 'ollama', messageFor(kind, 'ollama', model), error.error, error.status_code);
  }
  // fetch failed: connection refused, DNS, reset
  const detail = error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}` : '';
  if (error instanceof TypeError)
    return new AiProviderError('unreachable', 'ollama', messageFor('unreachable', 'ollama'), detail);
  return new AiProviderError('failed', 'ollama', messageFor('failed', 'ollama'), detail);
}

/** A client whose every request also ends when `signal` aborts (list and embed take none of their own). */
function clientFor(host: string, signal?: AbortSignal) {
  return new Ollama({
    host,
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal),
      }),
  });
}

/** The Ollama provider over the `ollama` 0.6.4 client: chat streams NDJSON; embeddings; installed models. */
export function createOllamaProvider(config: OllamaConfig = {}): AiProvider {
  const host = config.host ?? OLLAMA_DEFAULT_URL;
  return {
    id: 'ollama',
    locality: 'local',

    async *chat(request: ChatRequest): AsyncGenerator<ChatEvent> {
      const client = clientFor(host, request.signal);
      try {
        const stream = await client.chat({
          model: request.model,
          messages: request.messages.map((m) => ({
            role: m.role,
            content: m.content,
            ...(m.toolCalls?.length
              ? { tool_calls: m.toolCalls.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) }
              : {}),
            ...(m.role === 'tool' && m.toolName ? { tool_name: m.toolName } : {}),
          })),
          ...(request.tools?.length
            ? {
                tools: request.tools.map((t) => ({
                  type: 'function',
                  function: { name: t.name, description: t.description, parameters: t.parameters as never },
                })),
              }
            : {}),
          stream: true,
          ...(config.keepAlive ? { keep_alive: config.keepAlive } : {}),
          options: {
            ...(request.maxTokens ? { num_predict: request.maxTokens } : {}),
            ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          },
        });
        const calls: ToolCall[] = [];
        for await (const part of stream) {
          if (part.message?.content) yield { type: 'delta', text: part.message.content };
          // Ollama sends a tool call whole, with its arguments as an object.
          for (const call of part.message?.tool_calls ?? [])
            calls.push({
              id: `call_${calls.length}`,
              name: call.function.name,
              arguments: (call.function.arguments ?? {}) as Record<string, unknown>,
            });
          if (part.done) {
            if (calls.length > 0) yield { type: 'tool_calls', calls: [...calls] };
            const prompt = part.prompt_eval_count ?? 0;
            const completion = part.eval_count ?? 0;
            yield {
              type: 'done',
              model: part.model || request.model,
              finishReason: part.done_reason ?? null,
              // A local model costs nothing per request.
              usage: {
                promptTokens: prompt,
                completionTokens: completion,
                totalTokens: prompt + completion,
                costUsd: 0,
              },
            };
          }
        }
        if (request.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      } catch (error) {
        throw ollamaError(error, request.model);
      }
    },

    async models(signal?: AbortSignal): Promise<ModelInfo[]> {
      try {
        const { models } = await clientFor(host, signal).list();
        return models.map((m) => ({ id: m.name, name: m.name, contextLength: null, pricing: null }));
      } catch (error) {
        throw ollamaError(error);
      }
    },

    async embed(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
      try {
        const { embeddings } = await clientFor(host, signal).embed({ model, input: [...texts] });
        return embeddings;
      } catch (error) {
        throw ollamaError(error, model);
      }
    },
  };
}
