import {
  AiProviderError,
  type AiProvider,
  type ChatEvent,
  type ChatMessage,
  type ToolCall,
  type ToolSpec,
  type Usage,
} from '@made-open/ai';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EgressLog } from './ai.egress.ts';
import type { PiiKind } from './ai.pii.ts';
import { DEFAULT_CLOUD_MODEL, type Providers } from './ai.providers.ts';
import { Redactor } from './ai.redaction.ts';
import { classesOf, decideRoute, isSensitive, type ContextItem, type Route } from './ai.routing.ts';
import type { ToolReport, ToolResult } from './ai.tools.ts';

/** How a model answer was made (the chat stream's final event; drafts and summaries carry it too). */
export interface ChatDone {
  /** local, cloud (redacted or not), none (no model), needs_local (sensitive, no local model, cloud not allowed). */
  route: Route['kind'];
  locality: 'local' | 'cloud' | null;
  provider: 'openrouter' | 'ollama' | null;
  model: string | null;
  /** Distinct values replaced by placeholders before the cloud saw them, per kind. */
  redacted: Partial<Record<PiiKind, number>>;
  usage: Usage | null;
  /** What to do next, when no model answered. */
  notice: string | null;
  /**
   * Set when a cloud model began and the local model finished: a tool read sensitive data,
   * which only a local model may read, so the rest of the answer was made on this machine.
   */
  handoff: { fromModel: string } | null;
}

export interface GenerateRequest {
  /** The egress audit's purpose: chat, draft, summary. */
  purpose: string;
  /** Everything the model will read, each with its class and PII (routing decides on all of them). */
  items: readonly ContextItem[];
  /** The prompt from the items' texts, in the same order (redacted on the redacted cloud path). */
  prompt: (texts: string[]) => ChatMessage[];
  cloudModel?: string | undefined;
  localModel?: string | undefined;
  /** Restored text as it streams. */
  onDelta?: (text: string) => void;
  /** Functions the model may call (chat): each result is routed like any context before the model reads it. */
  tools?: {
    specs: readonly ToolSpec[];
    run: (call: ToolCall) => Promise<ToolResult>;
    /** Each call once it ran, with what the model was given of it (sent, redacted, withheld). */
    onReport: (report: ToolReport) => void;
  };
  signal: AbortSignal;
}

export type GenerateResult =
  | {
      ok: true;
      text: string;
      done: ChatDone;
      /** Whether the answer was made from sensitive data (the context's or a tool's): it stays sensitive as history. */
      readSensitive: boolean;
    }
  | { ok: false; error: { code: string; message: string } };

export interface GenerateDeps {
  logger: Logger;
  providers: Providers;
  egress: EgressLog;
}

/** Model turns with tool calls before the answer must be text. */
const MAX_TOOL_ROUNDS = 4;

export const NO_MODEL =
  'No AI model is set up, so here are the sources only. Add an OpenRouter API key (cloud) or an Ollama address (local) in Settings → Credentials.';

/** A local model to use: the one asked for, else the first installed one that chats (embedding models do not). */
async function localModelOf(provider: AiProvider, asked: string | undefined, signal: AbortSignal): Promise<string> {
  if (asked) return asked;
  const models = await provider.models(signal);
  const chat = models.find((m) => !/embed|minilm|bge-/i.test(m.id));
  if (!chat)
    throw new AiProviderError(
      'model_not_pulled',
      'ollama',
      'Ollama has no chat model installed. Run `ollama pull llama3.2` on the Ollama machine.',
    );
  return chat.id;
}

const blank = {
  locality: null,
  provider: null,
  model: null,
  redacted: {},
  usage: null,
  notice: null,
  handoff: null,
} as const;

/**
 * One model request under the sensitivity rules (README "How a question is answered", steps
 * 4–8): route, redact for the cloud, audit what leaves, stream, restore. Chat, drafts and
 * summaries all go through here, so none of them can skip the routing.
 */
export function createGenerate(deps: GenerateDeps) {
  return async function generate(user: AuthenticatedUser, request: GenerateRequest): Promise<GenerateResult> {
    const providers = await deps.providers.forUser(user);
    const route = decideRoute(request.items, { local: providers.local !== null, cloud: providers.cloud !== null });
    if (route.kind === 'none')
      return {
        ok: true,
        text: '',
        readSensitive: false,
        done: { ...blank, route: 'none', notice: providers.localProblem ?? NO_MODEL },
      };
    if (route.kind === 'needs_local')
      return {
        ok: true,
        text: '',
        readSensitive: false,
        done: {
          ...blank,
          route: 'needs_local',
          notice: `These sources hold sensitive data (${route.blockedTypes.join(', ')}), so only a local model may read them, and none is set up. Add an Ollama address in Settings → Credentials, or allow a redacted version to go to the cloud for these types in Settings → AI.${providers.localProblem ? ` (${providers.localProblem})` : ''}`,
        },
      };

    let provider = route.kind === 'local' ? providers.local! : providers.cloud!;
    const redactor = new Redactor();
    const redact = route.kind === 'cloud' && route.redact;
    const messages = request.prompt(
      request.items.map((item) => (redact ? redactor.redact(item.text, item.pii) : item.text)),
    );
    const restorer = redactor.restorer();
    const { signal } = request;
    let text = '';
    const deliver = (piece: string) => {
      if (!piece) return;
      text += piece;
      request.onDelta?.(piece);
    };
    let egressId: string | undefined;
    let usage: Usage | null = null;
    let finalModel: string | null = null;
    const entityIds = new Set(request.items.flatMap((i) => (i.entityId ? [i.entityId] : [])));
    const classes = new Set(classesOf(request.items));
    let readSensitive = request.items.some(isSensitive);
    let handoff: ChatDone['handoff'] = null;
    /** What a tool result may be for this route: sensitive data only to the local model (or redacted, if its class allows). */
    const routed = (result: ToolResult): { text: string; privacy: ToolReport['privacy'] } => {
      if (provider.locality === 'local')
        return { text: (result.prefix ?? '') + result.content, privacy: handoff ? 'local' : 'sent' };
      if (result.item) {
        if (!isSensitive(result.item)) return { text: (result.prefix ?? '') + result.content, privacy: 'sent' };
        if (result.item.rule.cloudRedacted) {
          classes.add('sensitive');
          return {
            text: (result.prefix ?? '') + redactor.redact(result.item.text, result.item.pii),
            privacy: 'redacted',
          };
        }
        return {
          text: `${result.prefix ?? ''}(withheld: this ${result.item.type} holds sensitive data, which only a local model may read)`,
          privacy: 'withheld',
        };
      }
      return { text: result.cloudContent ?? result.content, privacy: 'sent' };
    };
    try {
      let model =
        provider.locality === 'local'
          ? await localModelOf(provider, request.localModel, signal)
          : (request.cloudModel ?? DEFAULT_CLOUD_MODEL);
      const conversation: ChatMessage[] = [...messages];
      for (let round = 0; ; round++) {
        const tools = request.tools && round < MAX_TOOL_ROUNDS ? request.tools.specs : undefined;
        // One audit row per cloud request: each round of a tool conversation leaves the machine again.
        if (provider.locality === 'cloud')
          egressId = await deps.egress.opened(user, {
            provider: provider.id,
            model,
            purpose: request.purpose,
            entityIds: [...entityIds],
            payload: JSON.stringify(conversation),
            redactions: redactor.summary(),
            classes: [...classes].sort(),
          });
        let calls: ToolCall[] = [];
        let roundText = '';
        for await (const event of provider.chat({
          model,
          messages: conversation,
          signal,
          ...(tools ? { tools } : {}),
        }) as AsyncIterable<ChatEvent>) {
          if (event.type === 'delta') {
            const piece = restorer.push(event.text);
            roundText += event.text;
            deliver(piece);
          } else if (event.type === 'tool_calls') calls = event.calls;
          else {
            usage = event.usage;
            finalModel = event.model;
          }
        }
        if (egressId) {
          await deps.egress.closed(user, egressId, {
            outcome: 'ok',
            promptTokens: usage?.promptTokens,
            completionTokens: usage?.completionTokens,
            costUsd: usage?.costUsd,
          });
          egressId = undefined;
        }
        if (!tools || calls.length === 0) break;
        conversation.push({ role: 'assistant', content: roundText, toolCalls: calls });
        for (const call of calls) {
          const result = await request.tools!.run(call);
          const sensitive = result.item !== undefined && isSensitive(result.item);
          if (sensitive && provider.locality === 'cloud' && providers.local) {
            // Rather than withhold it (or send it redacted), the local model reads it and answers.
            const localModel = await localModelOf(providers.local, request.localModel, signal).catch(
              (error: unknown) => {
                deps.logger.warn({ err: error }, 'no local model to hand a sensitive tool result to; withheld instead');
                return null;
              },
            );
            if (localModel) {
              handoff = { fromModel: model };
              provider = providers.local;
              model = localModel;
            }
          }
          const { text: given, privacy } = routed(result);
          if (sensitive && privacy !== 'withheld') readSensitive = true;
          if (privacy !== 'withheld') for (const id of result.report.entityIds) entityIds.add(id);
          request.tools!.onReport({ ...result.report, privacy });
          conversation.push({ role: 'tool', content: given, toolCallId: call.id, toolName: call.name });
        }
      }
      deliver(restorer.flush());
      return {
        ok: true,
        text,
        readSensitive,
        done: {
          ...blank,
          route: handoff ? 'local' : route.kind,
          locality: provider.locality,
          provider: provider.id,
          model: finalModel ?? model,
          redacted: redactor.summary(),
          usage,
          handoff,
        },
      };
    } catch (error) {
      const failure =
        error instanceof AiProviderError
          ? error
          : signal.aborted
            ? new AiProviderError('cancelled', provider.id, 'Stopped.')
            : undefined;
      if (egressId)
        await deps.egress
          .closed(user, egressId, {
            outcome: failure?.kind === 'cancelled' ? 'cancelled' : 'error',
            errorKind: failure?.kind ?? 'internal',
          })
          .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not close an egress audit row'));
      if (!failure) throw error;
      if (failure.kind !== 'cancelled')
        deps.logger.info(
          { kind: failure.kind, provider: failure.provider, status: failure.status, detail: failure.detail },
          'AI provider failed',
        );
      return { ok: false, error: { code: failure.kind, message: failure.message } };
    }
  };
}

export type Generate = ReturnType<typeof createGenerate>;
