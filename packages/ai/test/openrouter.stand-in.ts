import { json, sleep, startRecordingServer, type RecordedRequest, type StandInServer } from './stand-in-server.ts';

/**
 * A STAND-IN for OpenRouter's API (not OpenRouter), for tests only, selected through
 * OPENROUTER_URL. Built from the documented payloads (openrouter.ai/docs/api-reference/streaming,
 * /errors, /models): SSE chunks with `: OPENROUTER PROCESSING` keep-alive comments, a final
 * usage chunk with `cost`, `data: [DONE]`; errors as `{error:{code,message}}` with that HTTP
 * status before the stream, and as a `data:` event with `finish_reason:"error"` after it started.
 *
 * Keys: GOOD_KEY works, NO_CREDIT_KEY answers 402, anything else 401.
 * Models: see `models`; `test/midstream-error` fails after two chunks; `test/slow` streams a
 * chunk every 100 ms for a long time (for stop tests); other ids answer 400 "not a valid model".
 */
export const GOOD_KEY = 'sk-or-v1-stand-in-good-key-0000000000';
export const NO_CREDIT_KEY = 'sk-or-v1-stand-in-no-credit-00000000';

export const standInModels = [
  {
    id: 'openai/gpt-4o-mini',
    name: 'OpenAI: GPT-4o-mini',
    context_length: 128000,
    pricing: { prompt: '0.00000015', completion: '0.0000006' },
  },
  {
    id: 'test/midstream-error',
    name: 'Test: fails mid-stream',
    context_length: 8192,
    pricing: { prompt: '0', completion: '0' },
  },
  { id: 'test/slow', name: 'Test: slow', context_length: 8192, pricing: { prompt: '0', completion: '0' } },
];

export interface OpenRouterStandIn extends StandInServer {
  /** The chat bodies received (parsed), in order. */
  chatBodies(): Array<{
    model: string;
    messages: Array<{ role: string; content: string }>;
    provider?: unknown;
    stream?: boolean;
  }>;
  /** What the next answers say; by default they cite the first source. */
  reply: (body: { messages: Array<{ role: string; content: string }> }) => string;
  /**
   * Tool calls to ask for instead of text (when it returns some): the model's side of
   * function calling. The request's `tools` and `tool` messages are in the body.
   */
  toolCalls?: (body: ChatBody) => Array<{ name: string; arguments: Record<string, unknown> }> | undefined;
  /** Milliseconds between streamed pieces (default 2); the e2e run slows it so Stop has time to act. */
  paceMs?: number;
}

function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 7) out.push(text.slice(i, i + 7));
  return out;
}

/** A chat request as the stand-in reads it (tool calls and results included). */
export type ChatBody = {
  model: string;
  messages: Array<{ role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
  tools?: Array<{ type: string; function: { name: string; description: string; parameters: unknown } }>;
};

export async function startOpenRouterStandIn(): Promise<OpenRouterStandIn> {
  const standIn = {} as OpenRouterStandIn;
  standIn.reply = () => 'From your notes: the answer is in the first source [1].';
  const server = await startRecordingServer(async (req: RecordedRequest, res, closed) => {
    const auth = req.headers.authorization ?? '';
    if (req.method === 'GET' && req.path === '/models') return json(res, 200, { data: standInModels });
    if (req.method !== 'POST' || req.path !== '/chat/completions')
      return json(res, 404, { error: { code: 404, message: 'Not found' } });
    if (auth === `Bearer ${NO_CREDIT_KEY}`)
      return json(res, 402, {
        error: { code: 402, message: 'Insufficient credits. Add more using https://openrouter.ai/credits' },
      });
    if (auth !== `Bearer ${GOOD_KEY}`)
      return json(res, 401, { error: { code: 401, message: 'No auth credentials found' } });
    const body = JSON.parse(req.body) as { model: string; messages: Array<{ role: string; content: string }> };
    if (!standInModels.some((m) => m.id === body.model))
      return json(res, 400, { error: { code: 400, message: `${body.model} is not a valid model ID` } });

    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-generation-id': 'gen-standin',
    });
    res.write(': OPENROUTER PROCESSING\n\n');
    const id = `gen-${Date.now()}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, provider: 'StandIn', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;

    if (body.model === 'test/midstream-error') {
      res.write(chunk({ role: 'assistant', content: 'Partial ' }));
      res.write(chunk({ content: 'answer' }));
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: body.model, provider: 'StandIn', error: { code: 502, message: 'Provider disconnected' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] })}\n\n`,
      );
      return void res.end();
    }
    if (body.model === 'test/slow') {
      for (let i = 0; i < 600 && !closed(); i++) {
        res.write(chunk({ content: `word${i} ` }));
        if (i % 5 === 0) res.write(': OPENROUTER PROCESSING\n\n');
        await sleep(100);
      }
      return void res.end();
    }
    const wanted = standIn.toolCalls?.(body as ChatBody);
    if (wanted?.length) {
      // As OpenAI streams them: id and name first, the arguments' JSON split over chunks.
      wanted.forEach((call, index) => {
        const args = JSON.stringify(call.arguments);
        res.write(
          chunk({
            role: 'assistant',
            content: null,
            tool_calls: [
              { index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } },
            ],
          }),
        );
        for (let i = 0; i < args.length; i += 8)
          res.write(chunk({ tool_calls: [{ index, function: { arguments: args.slice(i, i + 8) } }] }));
      });
      res.write(chunk({}, 'tool_calls'));
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: body.model, provider: 'StandIn', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: 0.00001 } })}\n\n`,
      );
      res.write('data: [DONE]\n\n');
      return void res.end();
    }
    const text = standIn.reply(body);
    let first = true;
    for (const piece of pieces(text)) {
      if (closed()) return;
      res.write(chunk(first ? { role: 'assistant', content: piece } : { content: piece }));
      first = false;
      await sleep(standIn.paceMs ?? 2);
    }
    res.write(chunk({}, 'stop'));
    const promptTokens = Math.ceil(req.body.length / 4);
    const completionTokens = Math.ceil(text.length / 4);
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: body.model, provider: 'StandIn', choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, cost: 0.000042 } })}\n\n`,
    );
    res.write('data: [DONE]\n\n');
    res.end();
  }, '/api/v1');
  return Object.assign(standIn, server, {
    chatBodies: () =>
      server.requests
        .filter((r) => r.path === '/chat/completions' && r.method === 'POST')
        .map((r) => JSON.parse(r.body)),
  });
}
