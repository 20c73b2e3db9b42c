import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaStandIn, type OllamaStandIn } from '@made-open/ai/test/ollama.stand-in';
import { GOOD_KEY, startOpenRouterStandIn, type OpenRouterStandIn } from '@made-open/ai/test/openrouter.stand-in';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { answerText, parseSse } from './test/sse.ts';

/**
 * POST /api/v1/ai/chat on a hub with a local model (the operator's OLLAMA_URL) and a cloud one.
 * Both are STAND-INS (packages/ai/test/*.stand-in.ts, selected by OLLAMA_URL and OPENROUTER_URL),
 * talked to by the real `ollama` and `openai` clients. Canary: sensitive text reaches Ollama
 * only, never the OpenRouter stand-in.
 */
const MESSAGE_CANARY = 'CANARYMSG4410';
const PHONE = '+1 415 555 0132';

describe.each(testDatabaseKinds())('AI chat with a local model, on %s', (kind) => {
  let hub: TestHub;
  let openrouter: OpenRouterStandIn;
  let ollama: OllamaStandIn;
  let alice: SignedUpUser;
  const ids: Record<string, string> = {};

  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(alice), ...(payload ? { payload } : {}) });
  const chat = async (payload: object) => {
    const response = await api('POST', '/api/v1/ai/chat', payload);
    expect(response.statusCode, response.body).toBe(200);
    return parseSse(response.body);
  };
  const sentToCloud = () => openrouter.requests.map((r) => r.body).join('\n');

  beforeAll(async () => {
    openrouter = await startOpenRouterStandIn();
    ollama = await startOllamaStandIn();
    hub = await createTestHub(kind, { OPENROUTER_URL: openrouter.url, OLLAMA_URL: ollama.url });
    alice = await signUpUser(hub);
    expect(
      (await api('POST', '/api/v1/credentials', { type: 'openrouter', name: 'OR', secret: { apiKey: GOOD_KEY } }))
        .statusCode,
    ).toBe(201);
    for (const [key, entity] of Object.entries({
      message: { type: 'message', title: 'Text from Ada', body: `The kayak is moored at pier nine ${MESSAGE_CANARY}` },
      call: { type: 'call', title: 'Call with Grace', body: 'Transcript: the harbour fee is due Friday.' },
      note: { type: 'note', title: 'Garden plan', body: 'Plant tulips along the fence in October.' },
      contactNote: { type: 'note', title: 'Plumber', body: `The plumber's number is ${PHONE}.` },
    })) {
      const response = await api('POST', '/api/v1/entities', entity);
      expect(response.statusCode, response.body).toBe(201);
      ids[key] = response.json().id;
    }
    for (const word of ['plumber', 'kayak', 'harbour', 'tulips'])
      await eventually(
        async () => ((await api('GET', `/api/v1/search?q=${word}`)).json().hits.length > 0 ? true : undefined),
        `the search index to hold "${word}"`,
      );
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await openrouter?.close();
    await ollama?.close();
  });

  it('canary: messages and calls go to the local model only, and nothing of them to the cloud', async () => {
    ollama.reply = () => 'At pier nine [1].';
    for (const question of ['Where is the kayak moored?', 'When is the harbour fee due?']) {
      const events = await chat({ question });
      expect(events.at(-1)).toMatchObject({
        event: 'done',
        data: {
          route: 'local',
          locality: 'local',
          provider: 'ollama',
          model: 'llama3.2:3b',
          redacted: {},
          usage: { costUsd: 0 },
        },
      });
      expect(events.filter((e) => e.event === 'citation')).toHaveLength(1);
    }
    expect(ollama.chatBodies().some((b) => b.messages[0]!.content.includes(MESSAGE_CANARY))).toBe(true);
    expect(openrouter.chatBodies()).toHaveLength(0);
    expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
    expect((await api('GET', '/api/v1/ai/egress')).json().entries).toEqual([]);
  });

  it('canary: a phone number in a note, or in the question, keeps the request local', async () => {
    ollama.reply = () => `Call ${PHONE} [1].`;
    const events = await chat({ question: "What is the plumber's number?" });
    expect(answerText(events)).toBe(`Call ${PHONE} [1].`);
    expect(events.at(-1)!.data.route).toBe('local');
    const typed = await chat({ question: `Who has the number ${PHONE}?` });
    expect(typed.at(-1)!.data.route).toBe('local');
    expect(sentToCloud()).not.toContain('555 0132');
    expect(sentToCloud()).not.toContain('5550132');
  });

  it('normal context goes to the cloud model (with private routing) and is audited', async () => {
    openrouter.reply = () => 'In October [1].';
    const events = await chat({ question: 'When do I plant the tulips?' });
    expect(events.at(-1)!.data).toMatchObject({ route: 'cloud', provider: 'openrouter' });
    expect((await api('GET', '/api/v1/ai/egress')).json().entries).toHaveLength(1);
  });

  it('says which model to pull when the local one is missing', async () => {
    const events = await chat({ question: 'Where is the kayak moored?', localModel: 'mistral:7b' });
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'model_not_pulled' } });
    expect(events.at(-1)!.data.message).toContain('ollama pull mistral:7b');
  });

  it('lists the local and cloud models', async () => {
    const models = (await api('GET', '/api/v1/ai/models')).json();
    expect(models.local.configured).toBe(true);
    expect(models.local.models.map((m: { id: string }) => m.id)).toContain('llama3.2:3b');
    expect(models.cloud.configured).toBe(true);
  });
});
