/** What every model provider offers the hub: chat streaming, its model list, optionally embeddings. */

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** A function the model asked the hub to run. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** A function offered to the model (JSON Schema parameters). */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /** An assistant turn that asked for tools. */
  toolCalls?: readonly ToolCall[];
  /** A tool result: the call it answers (and the tool's name, which Ollama wants). */
  toolCallId?: string;
  toolName?: string;
}

export interface ChatRequest {
  model: string;
  messages: readonly ChatMessage[];
  /** Aborting it cancels the request at the provider (the HTTP request is closed). */
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  /** Functions the model may ask for; the answer then ends with a `tool_calls` event. */
  tools?: readonly ToolSpec[];
}

/** Tokens and money one request cost; cost is null where the provider does not say (Ollama: 0). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** US dollars as the provider reports them (OpenRouter `usage.cost`). */
  costUsd: number | null;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | { type: 'tool_calls'; calls: ToolCall[] }
  | { type: 'done'; model: string; finishReason: string | null; usage: Usage };

export interface ModelInfo {
  id: string;
  name: string;
  /** Tokens of context, when the provider says. */
  contextLength: number | null;
  /** US dollars per token, when the provider says (cloud models). */
  pricing: { prompt: number; completion: number } | null;
}

/** Where a provider's models run: on a machine the user controls, or at a cloud service. */
export type Locality = 'local' | 'cloud';

export interface AiProvider {
  readonly id: 'openrouter' | 'ollama';
  readonly locality: Locality;
  /** Streams the answer; throws AiProviderError (before or during the stream). */
  chat(request: ChatRequest): AsyncIterable<ChatEvent>;
  models(signal?: AbortSignal): Promise<ModelInfo[]>;
  /** Vectors for the texts, in order (Ollama only for now). */
  embed?(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}
