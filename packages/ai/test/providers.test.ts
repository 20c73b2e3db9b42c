import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AiProviderError,
  configureProviders,
  createOllamaProvider,
  createOpenRouterProvider,
  type AiProvider,
  type ChatEvent,
} from '../src/index.ts';
import { startOllamaStandIn, type OllamaStandIn } from './ollama.stand-in.ts';
import { GOOD_KEY, NO_CREDIT_KEY, startOpenRouterStandIn, type OpenRouterStandIn } from './openrouter.stand-in.ts';

/**
 * The providers against STAND-IN servers (test/openrouter.stand-in.ts, test/ollama.stand-in.ts),
 * built from OpenRouter's and Ollama's documented payloads: the real `openai` 6.x and `ollama`
 * 0.6.4 clients talk HTTP to them.
 */
const attribution = { referer: 'https://made-open.test', title: 'Made Open' };

async function collect(stream: AsyncIterable<ChatEvent>) {
  let text = '';
  let done: Extract<ChatEvent, { type: 'done' }> | undefined;
  const calls: Extract<ChatEvent, { type: 'tool_calls' }>['calls'] = [];
  for await (const event of stream) {
    if (event.type === 'delta') text += event.text;
    else if (event.type === 'tool_calls') calls.push(...event.calls);
    else done = event;
  }
  return { text, done, calls };
}

async function failure(promise: Promise<unknown>): Promise<AiProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AiProviderError);
    return error as AiProviderError;
  }
  throw new Error('expected a failure');
}

describe('OpenRouter provider (stand-in)', () => {
  let standIn: OpenRouterStandIn;
  let provider: AiProvider;
  beforeAll(async () => {
    standIn = await startOpenRouterStandIn();
    provider = createOpenRouterProvider({ apiKey: GOOD_KEY, baseURL: standIn.url, ...attribution });
  });
  afterAll(() => standIn.close());

  it('streams text through keep-alive comments, then usage and cost, sending attribution and private routing', async () => {
    standIn.reply = () => 'Hello from the stand-in, with a long enough answer.';
    const { text, done } = await collect(
      provider.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(text).toBe('Hello from the stand-in, with a long enough answer.');
    expect(done).toMatchObject({ model: 'openai/gpt-4o-mini', finishReason: 'stop', usage: { costUsd: 0.000042 } });
    expect(done!.usage.totalTokens).toBeGreaterThan(0);
    const request = standIn.requests.at(-1)!;
    expect(request.headers['http-referer']).toBe('https://made-open.test');
    expect(request.headers['x-title']).toBe('Made Open');
    const body = JSON.parse(request.body);
    expect(body.provider).toEqual({ data_collection: 'deny', zdr: true });
    expect(body.stream).toBe(true);
  });

  it('function calling: offers tools, reads streamed tool calls, and sends the results back by call id', async () => {
    standIn.toolCalls = (body) =>
      body.messages.some((m) => m.role === 'tool')
        ? undefined
        : [{ name: 'search_graph', arguments: { query: 'boat trip' } }];
    standIn.reply = () => 'Found it.';
    const tools = [{ name: 'search_graph', description: 'Search', parameters: { type: 'object', properties: {} } }];
    const first = await collect(
      provider.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'boat?' }], tools }),
    );
    expect(first.calls).toEqual([{ id: 'call_0', name: 'search_graph', arguments: { query: 'boat trip' } }]);
    expect(first.done).toMatchObject({ finishReason: 'tool_calls' });
    expect(JSON.parse(standIn.requests.at(-1)!.body).tools[0].function.name).toBe('search_graph');
    const second = await collect(
      provider.chat({
        model: 'openai/gpt-4o-mini',
        tools,
        messages: [
          { role: 'user', content: 'boat?' },
          { role: 'assistant', content: '', toolCalls: first.calls },
          { role: 'tool', content: '{"hits":[]}', toolCallId: 'call_0', toolName: 'search_graph' },
        ],
      }),
    );
    expect(second.text).toBe('Found it.');
    const sent = JSON.parse(standIn.requests.at(-1)!.body).messages;
    expect(sent[1].tool_calls[0]).toMatchObject({ id: 'call_0', function: { name: 'search_graph' } });
    expect(sent[2]).toEqual({ role: 'tool', tool_call_id: 'call_0', content: '{"hits":[]}' });
    standIn.toolCalls = undefined;
  });

  it('lists models with prices', async () => {
    const models = await provider.models();
    expect(models.find((m) => m.id === 'openai/gpt-4o-mini')).toMatchObject({
      contextLength: 128000,
      pricing: { prompt: 0.00000015 },
    });
  });

  it('says what to do about a bad key, no credit and a model that is gone', async () => {
    const bad = createOpenRouterProvider({
      apiKey: 'sk-or-wrong',
      baseURL: standIn.url,
      ...attribution,
      maxRetries: 0,
    });
    const badKey = await failure(
      collect(bad.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })),
    );
    expect(badKey).toMatchObject({ kind: 'bad_key', status: 401 });
    expect(badKey.message).toMatch(/Settings → Credentials/);
    expect(badKey.message).not.toContain('sk-or-wrong');

    const broke = createOpenRouterProvider({
      apiKey: NO_CREDIT_KEY,
      baseURL: standIn.url,
      ...attribution,
      maxRetries: 0,
    });
    expect(
      await failure(collect(broke.chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }))),
    ).toMatchObject({ kind: 'no_credit' });

    const gone = await failure(
      collect(provider.chat({ model: 'vendor/retired-model', messages: [{ role: 'user', content: 'x' }] })),
    );
    expect(gone.kind).toBe('model_gone');
    expect(gone.message).toContain('vendor/retired-model');
  });

  it('turns an error after the stream started into an error, after the text so far', async () => {
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const event of provider.chat({
          model: 'test/midstream-error',
          messages: [{ role: 'user', content: 'x' }],
        }))
          if (event.type === 'delta') seen.push(event.text);
      })(),
    );
    expect(seen.join('')).toBe('Partial answer');
    expect(error).toMatchObject({ kind: 'unavailable', detail: 'Provider disconnected' });
  });

  it('stops: aborting closes the request at the provider', async () => {
    const controller = new AbortController();
    const before = standIn.requests.length;
    const error = await failure(
      (async () => {
        for await (const event of provider.chat({
          model: 'test/slow',
          messages: [{ role: 'user', content: 'x' }],
          signal: controller.signal,
        }))
          if (event.type === 'delta') controller.abort();
      })(),
    );
    expect(error.kind).toBe('cancelled');
    const request = standIn.requests[before]!;
    await expect.poll(() => request.closedEarly).toBe(true);
  });

  it('says the provider is unreachable when nothing listens', async () => {
    const nowhere = createOpenRouterProvider({
      apiKey: GOOD_KEY,
      baseURL: 'http://127.0.0.1:9/api/v1',
      ...attribution,
      maxRetries: 0,
    });
    expect(await failure(nowhere.models())).toMatchObject({ kind: 'unreachable' });
  });
});

describe('Ollama provider (stand-in)', () => {
  let standIn: OllamaStandIn;
  let provider: AiProvider;
  beforeAll(async () => {
    standIn = await startOllamaStandIn();
    provider = createOllamaProvider({ host: standIn.url });
  });
  afterAll(() => standIn.close());

  it('streams NDJSON chat with token counts and no cost', async () => {
    standIn.reply = () => 'A local answer in several pieces.';
    const { text, done } = await collect(
      provider.chat({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(text).toBe('A local answer in several pieces.');
    expect(done).toMatchObject({
      model: 'llama3.2:3b',
      finishReason: 'stop',
      usage: { promptTokens: 42, completionTokens: 12, costUsd: 0 },
    });
  });

  it('function calling: offers tools, reads tool calls, and sends the results back', async () => {
    standIn.toolCalls = (body) =>
      body.messages.some((m) => m.role === 'tool') ? undefined : [{ name: 'read_entity', arguments: { id: 'x' } }];
    standIn.reply = () => 'Read it.';
    const tools = [{ name: 'read_entity', description: 'Read', parameters: { type: 'object', properties: {} } }];
    const first = await collect(
      provider.chat({ model: 'llama3.2:3b', messages: [{ role: 'user', content: 'who?' }], tools }),
    );
    expect(first.calls).toEqual([{ id: 'call_0', name: 'read_entity', arguments: { id: 'x' } }]);
    const second = await collect(
      provider.chat({
        model: 'llama3.2:3b',
        tools,
        messages: [
          { role: 'user', content: 'who?' },
          { role: 'assistant', content: '', toolCalls: first.calls },
          { role: 'tool', content: '{}', toolCallId: 'call_0', toolName: 'read_entity' },
        ],
      }),
    );
    expect(second.text).toBe('Read it.');
    const sent = JSON.parse(standIn.requests.at(-1)!.body);
    expect(sent.tools[0].function.name).toBe('read_entity');
    expect(sent.messages[1].tool_calls[0].function).toEqual({ name: 'read_entity', arguments: { id: 'x' } });
    expect(sent.messages[2]).toMatchObject({ role: 'tool', content: '{}', tool_name: 'read_entity' });
    standIn.toolCalls = undefined;
  });

  it('lists installed models and embeds', async () => {
    expect((await provider.models()).map((m) => m.id)).toContain('llama3.2:3b');
    const vectors = await provider.embed!('nomic-embed-text', ['one', 'two']);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(8);
  });

  it('says which model to pull when it is not installed', async () => {
    const error = await failure(
      collect(provider.chat({ model: 'mistral:7b', messages: [{ role: 'user', content: 'x' }] })),
    );
    expect(error.kind).toBe('model_not_pulled');
    expect(error.message).toContain('ollama pull mistral:7b');
  });

  it('stops: aborting closes the NDJSON stream', async () => {
    const controller = new AbortController();
    const before = standIn.requests.length;
    const error = await failure(
      (async () => {
        for await (const event of provider.chat({
          model: 'test/slow',
          messages: [{ role: 'user', content: 'x' }],
          signal: controller.signal,
        }))
          if (event.type === 'delta') controller.abort();
      })(),
    );
    expect(error.kind).toBe('cancelled');
    await expect.poll(() => standIn.requests[before]!.closedEarly).toBe(true);
  });

  it('says Ollama is unreachable when nothing listens', async () => {
    expect(await failure(createOllamaProvider({ host: 'http://127.0.0.1:9' }).models())).toMatchObject({
      kind: 'unreachable',
    });
  });
});

describe('configureProviders', () => {
  it('takes the key and address from the wallet, the operator URLs as defaults', () => {
    expect(configureProviders({ operatorUrls: {}, attribution })).toEqual({ cloud: null, local: null });
    const both = configureProviders({
      openrouterKey: GOOD_KEY,
      operatorUrls: { OLLAMA_URL: 'http://10.0.0.5:11434' },
      attribution,
    });
    expect(both.cloud?.locality).toBe('cloud');
    expect(both.local?.locality).toBe('local');
  });
});
