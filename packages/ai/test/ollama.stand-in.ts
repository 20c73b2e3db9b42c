import { json, sleep, startRecordingServer, type RecordedRequest, type StandInServer } from './stand-in-server.ts';

/**
 * A STAND-IN for an Ollama server (not Ollama), for tests only, selected through OLLAMA_URL or
 * an `ollama` credential's address. Built from Ollama's documented API (docs/api.md): POST
 * /api/chat streams NDJSON lines `{model, created_at, message:{role, content}, done:false}` and a
 * last line with `done:true, done_reason, prompt_eval_count, eval_count`; a model that is not
 * installed answers 404 `{"error":"model \"x\" not found, try pulling it first"}`; GET /api/tags
 * lists installed models; POST /api/embed answers `{model, embeddings}` (here: deterministic
 * character-hash vectors, 8 dimensions).
 */
export const installedModels = ['llama3.2:3b', 'nomic-embed-text:latest', 'test/slow:latest'];

export interface OllamaStandIn extends StandInServer {
  reply: (body: { messages: Array<{ role: string; content: string }> }) => string;
  /** Tool calls to ask for instead of text (when it returns some): the model's side of function calling. */
  toolCalls?: (body: OllamaChatBody) => Array<{ name: string; arguments: Record<string, unknown> }> | undefined;
  /** Milliseconds between streamed pieces (default 2); the e2e run slows it so Stop has time to act. */
  paceMs?: number;
  chatBodies(): Array<{ model: string; messages: Array<{ role: string; content: string }> }>;
}

function vector(text: string): number[] {
  const v = new Array<number>(8).fill(0);
  for (let i = 0; i < text.length; i++) v[i % 8]! += text.charCodeAt(i) / 1000;
  return v;
}

/** A chat request as the stand-in reads it (tool calls and results included). */
export type OllamaChatBody = {
  model: string;
  messages: Array<{ role: string; content: string; tool_name?: string; tool_calls?: unknown[] }>;
  tools?: Array<{ type: string; function: { name: string; description: string; parameters: unknown } }>;
};

export async function startOllamaStandIn(): Promise<OllamaStandIn> {
  const standIn = {} as OllamaStandIn;
  standIn.reply = () => 'Locally: see [1].';
  const server = await startRecordingServer(async (req: RecordedRequest, res, closed) => {
    if (req.method === 'GET' && req.path === '/api/tags')
      return json(res, 200, {
        models: installedModels.map((name) => ({
          name,
          model: name,
          modified_at: '2026-12-01T00:00:00Z',
          size: 2_000_000_000,
          digest: 'sha256:0',
          details: {},
        })),
      });
    const body = req.body
      ? (JSON.parse(req.body) as {
          model: string;
          messages?: Array<{ role: string; content: string }>;
          input?: string | string[];
        })
      : { model: '' };
    const installed = installedModels.includes(body.model) || installedModels.includes(`${body.model}:latest`);
    if (req.method === 'POST' && (req.path === '/api/chat' || req.path === '/api/embed') && !installed)
      return json(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    if (req.method === 'POST' && req.path === '/api/embed') {
      const input = Array.isArray(body.input) ? body.input : [body.input ?? ''];
      return json(res, 200, {
        model: body.model,
        embeddings: input.map(vector),
        total_duration: 1000,
        load_duration: 10,
        prompt_eval_count: input.length,
      });
    }
    if (req.method !== 'POST' || req.path !== '/api/chat') return json(res, 404, { error: 'not found' });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (content: string) =>
      `${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content }, done: false })}\n`;
    if (body.model.startsWith('test/slow')) {
      for (let i = 0; i < 600 && !closed(); i++) {
        res.write(line(`word${i} `));
        await sleep(100);
      }
      return void res.end();
    }
    const wanted = standIn.toolCalls?.(body as OllamaChatBody);
    if (wanted?.length) {
      // Ollama sends tool calls whole, arguments as an object, in one message before `done`.
      res.write(
        `${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '', tool_calls: wanted.map((c) => ({ function: { name: c.name, arguments: c.arguments } })) }, done: false })}\n`,
      );
      res.write(
        `${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 20, eval_count: 5 })}\n`,
      );
      return void res.end();
    }
    const text = standIn.reply({ messages: body.messages ?? [] });
    for (let i = 0; i < text.length; i += 5) {
      if (closed()) return;
      res.write(line(text.slice(i, i + 5)));
      await sleep(standIn.paceMs ?? 2);
    }
    res.write(
      `${JSON.stringify({ model: body.model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', total_duration: 5_000_000, load_duration: 1_000_000, prompt_eval_count: 42, prompt_eval_duration: 1_000_000, eval_count: 12, eval_duration: 2_000_000 })}\n`,
    );
    res.end();
  });
  return Object.assign(standIn, server, {
    chatBodies: () => server.requests.filter((r) => r.path === '/api/chat').map((r) => JSON.parse(r.body)),
  });
}
