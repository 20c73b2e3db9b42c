import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaStandIn, type OllamaStandIn } from '@made-open/ai/test/ollama.stand-in';
import { GOOD_KEY, startOpenRouterStandIn, type OpenRouterStandIn } from '@made-open/ai/test/openrouter.stand-in';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { answerText, parseSse } from './test/sse.ts';
import { createConversations } from './ai.conversations.ts';
import type { AuthenticatedUser } from '../../platform/http/authentication.ts';

/**
 * POST /api/v1/ai/chat on a hub whose only model is in the cloud. OpenRouter is a STAND-IN
 * (packages/ai/test/openrouter.stand-in.ts, selected by OPENROUTER_URL); the real `openai`
 * client talks to it. Canaries: strings that must never be in any request the stand-in
 * receives; the test reads the stand-in's request log.
 */
const CARD = '4111 1111 1111 1111';
const EMAIL = 'ada.canary@example.org';
const MESSAGE_CANARY = 'CANARYMSG7731';

describe.each(testDatabaseKinds())('AI chat, cloud model only, on %s', (kind) => {
  let hub: TestHub;
  let openrouter: OpenRouterStandIn;
  let ollama: OllamaStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const ids: Record<string, string> = {};

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const chat = async (user: SignedUpUser, payload: object) => {
    const response = await api(user, 'POST', '/api/v1/ai/chat', payload);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/event-stream/);
    // Every answer joins a stored conversation, named first (ai.conversations.test.ts covers them).
    const [conversation, ...rest] = parseSse(response.body);
    expect(conversation).toMatchObject({ event: 'conversation', data: { id: expect.any(String) } });
    return rest;
  };
  let address: string | undefined;
  /** The hub on a real port, for a client that closes its connection mid-stream. */
  const listening = async () => (address ??= await hub.app.listen({ port: 0, host: '127.0.0.1' }));
  /** The stream's text up to `marker`; an ended stream without it fails the test instead of spinning. */
  async function readUntil(response: Response, marker: string): Promise<string> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before "${marker}": ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    return text;
  }
  const everythingSentToCloud = () =>
    openrouter.requests.map((r) => `${JSON.stringify(r.headers)}${r.body}`).join('\n');

  beforeAll(async () => {
    openrouter = await startOpenRouterStandIn();
    ollama = await startOllamaStandIn();
    hub = await createTestHub(kind, { OPENROUTER_URL: openrouter.url });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const create = async (key: string, entity: object) => {
      const response = await api(alice, 'POST', '/api/v1/entities', entity);
      expect(response.statusCode, response.body).toBe(201);
      ids[key] = response.json().id;
    };
    await create('note', {
      type: 'note',
      title: 'Boat insurance',
      body: `Insurance for the sailboat: pay with card ${CARD}, questions to ${EMAIL}.`,
    });
    await create('message', {
      type: 'message',
      title: 'Text from Ada',
      body: `The kayak is moored at pier nine ${MESSAGE_CANARY}`,
    });
    await create('plain', { type: 'note', title: 'Garden plan', body: 'Plant tulips along the fence in October.' });
    // The index follows the graph through events: wait until every one of them is found.
    for (const word of ['kayak', 'tulips', 'sailboat'])
      await eventually(async () => {
        const found = await api(alice, 'GET', `/api/v1/search?q=${word}`);
        return found.json().hits.length > 0 ? true : undefined;
      }, `the search index to hold "${word}"`);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await openrouter?.close();
    await ollama?.close();
  });

  it('with no model: shows the sources and how to add a model, and asks nobody', async () => {
    const events = await chat(alice, { question: 'When do I plant the tulips?' });
    expect(events[0]).toMatchObject({
      event: 'sources',
      data: { sources: [{ number: 1, entityId: ids.plain, type: 'note', title: 'Garden plan' }] },
    });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toMatchObject({ route: 'none', model: null, locality: null });
    expect(done.data.notice).toMatch(/Settings → Credentials/);
    expect(openrouter.chatBodies()).toHaveLength(0);
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    expect((await api(alice, 'POST', '/api/v1/ai/chat', { question: '' })).statusCode).toBe(400);
    expect(
      (await api(alice, 'POST', '/api/v1/ai/chat', { question: 'x', cloudModel: 'bad model id!' })).statusCode,
    ).toBe(400);
    expect((await api(alice, 'POST', '/api/v1/ai/chat', { question: 'x', extra: 1 })).statusCode).toBe(400);
    expect(
      (await api(alice, 'PUT', '/api/v1/ai/classes/spaceship', { dataClass: 'normal', cloudRedacted: true }))
        .statusCode,
    ).toBe(400);
    expect(
      (await api(alice, 'PUT', '/api/v1/ai/classes/message', { dataClass: 'secret', cloudRedacted: true })).statusCode,
    ).toBe(400);
    expect(
      (await hub.app.inject({ method: 'POST', url: '/api/v1/ai/chat', payload: { question: 'x' } })).statusCode,
    ).toBe(401);
    expect((await api(alice, 'POST', '/api/v1/ai/chat', { question: 'a\u0000b' })).statusCode).toBe(400);
    expect((await api(alice, 'POST', '/api/v1/ai/chat', { question: 'x'.repeat(2_001) })).statusCode).toBe(400);
    expect((await api(alice, 'GET', '/api/v1/ai/egress?limit=0')).statusCode).toBe(400);
    expect((await api(alice, 'GET', '/api/v1/ai/egress?before=nope')).statusCode).toBe(400);
    expect((await api(alice, 'GET', '/api/v1/ai/egress')).json().entries).toEqual([]);
  });

  it('documents every AI route in OpenAPI', async () => {
    const paths = Object.keys((await hub.app.inject({ method: 'GET', url: '/docs/json' })).json().paths);
    for (const path of [
      '/api/v1/ai/chat',
      '/api/v1/ai/egress',
      '/api/v1/ai/classes',
      '/api/v1/ai/classes/{entityType}',
      '/api/v1/ai/contacts',
      '/api/v1/ai/contacts/{personId}',
      '/api/v1/ai/models',
    ])
      expect(paths).toContain(path);
  });

  it('streams a normal answer from the cloud with citations and audits it', async () => {
    const created = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'openrouter',
      name: 'OpenRouter',
      secret: { apiKey: GOOD_KEY },
    });
    expect(created.statusCode, created.body).toBe(201);
    openrouter.reply = () => 'Plant them in October [1]. Also see [7].';
    const events = await chat(alice, { question: 'When do I plant the tulips?' });
    expect(answerText(events)).toBe('Plant them in October [1]. Also see [7].');
    // [7] was not a source: no citation for it
    expect(events.filter((e) => e.event === 'citation').map((e) => e.data)).toEqual([
      { number: 1, entityId: ids.plain },
    ]);
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: {
        route: 'cloud',
        locality: 'cloud',
        provider: 'openrouter',
        model: 'openai/gpt-4o-mini',
        redacted: {},
        usage: { costUsd: 0.000042 },
      },
    });
    const body = openrouter.chatBodies().at(-1)!;
    expect(body.provider).toEqual({ data_collection: 'deny', zdr: true });
    expect(body.messages[0]!.content).toContain('[1] (note');
    const egress = (await api(alice, 'GET', '/api/v1/ai/egress')).json().entries;
    expect(egress[0]).toMatchObject({
      provider: 'openrouter',
      model: 'openai/gpt-4o-mini',
      purpose: 'chat',
      entityIds: [ids.plain],
      outcome: 'ok',
      costUsd: 0.000042,
      redactions: {},
    });
    expect(egress[0].bytes).toBeGreaterThan(100);
  });

  it('canary: PII in a normal note goes to the cloud only as placeholders, and the answer is restored', async () => {
    openrouter.reply = (b) => {
      const placeholder = /⟦EMAIL_\d+⟧/.exec(b.messages[0]!.content)?.[0] ?? 'none';
      return `Write to ${placeholder} about the sailboat insurance [1].`;
    };
    const events = await chat(alice, { question: 'Who do I ask about sailboat insurance?' });
    expect(answerText(events)).toBe(`Write to ${EMAIL} about the sailboat insurance [1].`);
    expect(events.at(-1)!.data).toMatchObject({ route: 'cloud', redacted: { email: 1, card: 1 } });
    const sent = everythingSentToCloud();
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain(CARD);
    expect(sent).not.toContain(CARD.replace(/ /g, ''));
    const egress = (await api(alice, 'GET', '/api/v1/ai/egress')).json().entries[0];
    expect(egress).toMatchObject({
      entityIds: [ids.note],
      redactions: { email: 1, card: 1 },
      classes: ['normal', 'sensitive'],
    });
    expect(JSON.stringify(egress)).not.toContain('sailboat');
  });

  it('canary: a message (sensitive) never reaches the cloud; the answer says a local model is needed', async () => {
    const before = openrouter.requests.length;
    const events = await chat(alice, { question: 'Where is the kayak moored?' });
    expect(events[0]!.data.sources[0]).toMatchObject({ entityId: ids.message, type: 'message', sensitive: true });
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { route: 'needs_local', model: null } });
    expect(events.at(-1)!.data.notice).toMatch(/local model.*Ollama/s);
    expect(openrouter.requests.length).toBe(before);
    expect(everythingSentToCloud()).not.toContain(MESSAGE_CANARY);
  });

  it('canary: with no local model to take over, a message a tool reads is withheld from the cloud', async () => {
    const grant = await api(alice, 'POST', '/api/v1/grants', {
      kind: 'ai',
      id: 'assistant',
      permission: 'entities:read:*',
    });
    expect(grant.statusCode, grant.body).toBe(201);
    const before = openrouter.requests.length;
    openrouter.toolCalls = (b) =>
      b.messages.some((m) => m.role === 'tool') ? undefined : [{ name: 'read_entity', arguments: { id: ids.message } }];
    openrouter.reply = () => 'I may not read that message here.';
    try {
      const events = await chat(alice, { question: 'When do I plant the tulips?' });
      expect(events.find((e) => e.event === 'tool')!.data).toMatchObject({ name: 'read_entity', privacy: 'withheld' });
      expect(events.at(-1)).toMatchObject({
        event: 'done',
        data: { route: 'cloud', locality: 'cloud', handoff: null },
      });
      const sent = openrouter.requests.slice(before).map((r) => r.body);
      expect(sent).toHaveLength(2);
      expect(sent[1]).toContain('withheld: this message holds sensitive data');
      expect(sent.join('\n')).not.toContain(MESSAGE_CANARY);
    } finally {
      openrouter.toolCalls = undefined;
    }
  });

  it('an Ollama address on a private network the operator has not allowed is not used, and says why', async () => {
    const created = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'ollama',
      name: 'Home',
      secret: { url: ollama.url },
    });
    expect(created.statusCode, created.body).toBe(201);
    const events = await chat(alice, { question: 'Where is the kayak moored?' });
    expect(events.at(-1)!.data.route).toBe('needs_local');
    expect(events.at(-1)!.data.notice).toMatch(/private network/);
    expect(ollama.chatBodies()).toHaveLength(0);
    expect(everythingSentToCloud()).not.toContain(MESSAGE_CANARY);
    const models = (await api(alice, 'GET', '/api/v1/ai/models')).json();
    expect(models.local).toMatchObject({ configured: false, problem: expect.stringMatching(/OLLAMA_URL/) });
    expect(models.cloud.models.map((m: { id: string }) => m.id)).toContain('openai/gpt-4o-mini');
    await api(alice, 'DELETE', `/api/v1/credentials/${created.json().id}`);
  });

  it('the user may allow a redacted version of messages to go to the cloud', async () => {
    const classes = await api(alice, 'PUT', '/api/v1/ai/classes/message', {
      dataClass: 'sensitive',
      cloudRedacted: true,
    });
    expect(classes.statusCode, classes.body).toBe(200);
    expect(classes.json().classes.find((c: { entityType: string }) => c.entityType === 'message')).toMatchObject({
      cloudRedacted: true,
      isDefault: false,
    });
    openrouter.reply = () => 'At pier nine [1].';
    const events = await chat(alice, { question: 'Where is the kayak moored?' });
    expect(events.at(-1)!.data).toMatchObject({ route: 'cloud', locality: 'cloud' });
    expect(openrouter.chatBodies().at(-1)!.messages[0]!.content).toContain('pier nine');
    // back to the default: blocked again
    const reset = await api(alice, 'DELETE', '/api/v1/ai/classes/message');
    expect(reset.json().classes.find((c: { entityType: string }) => c.entityType === 'message')).toMatchObject({
      cloudRedacted: false,
      isDefault: true,
    });
    expect((await chat(alice, { question: 'Where is the kayak moored?' })).at(-1)!.data.route).toBe('needs_local');
  });

  it('a model error mid-stream ends the answer with an error a person can act on, audited', async () => {
    const events = await chat(alice, { question: 'When do I plant the tulips?', cloudModel: 'test/midstream-error' });
    expect(answerText(events)).toBe('Partial answer');
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'unavailable' } });
    const gone = await chat(alice, { question: 'When do I plant the tulips?', cloudModel: 'vendor/retired' });
    expect(gone.at(-1)).toMatchObject({ event: 'error', data: { code: 'model_gone' } });
    expect(gone.at(-1)!.data.message).toContain('vendor/retired');
    const egress = (await api(alice, 'GET', '/api/v1/ai/egress?limit=2')).json();
    expect(egress.entries.map((e: { outcome: string; errorKind: string }) => [e.outcome, e.errorKind])).toEqual([
      ['error', 'model_gone'],
      ['error', 'unavailable'],
    ]);
    expect(egress.nextCursor).toBe(egress.entries[1].id);
    const next = (await api(alice, 'GET', `/api/v1/ai/egress?limit=1&before=${egress.nextCursor}`)).json();
    expect(next.entries[0].outcome).toBe('ok');
  });

  it('stop: closing the connection cancels the provider request and the audit says so', async () => {
    const address = await listening();
    const controller = new AbortController();
    const response = await fetch(`${address}/api/v1/ai/chat`, {
      method: 'POST',
      headers: { ...bearer(alice), 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'When do I plant the tulips?', cloudModel: 'test/slow' }),
      signal: controller.signal,
    });
    await readUntil(response, 'event: delta');
    controller.abort();
    const slow = openrouter.requests.filter((r) => r.body.includes('test/slow')).at(-1)!;
    await eventually(async () => (slow.closedEarly ? true : undefined), 'the stand-in to see the stop', 10_000);
    await eventually(
      async () => {
        const entry = (await api(alice, 'GET', '/api/v1/ai/egress?limit=1')).json().entries[0];
        return entry.outcome === 'cancelled' ? entry : undefined;
      },
      'the audit to record the stop',
      10_000,
    );
  });

  it('keeps each question before its answer, however fast the turns are stored (PGlite ticks in milliseconds)', async () => {
    const conversations = createConversations(hub.db);
    const user = { id: alice.id, claims: alice.claims } as unknown as AuthenticatedUser;
    const conversation = await conversations.create(user, 'Quick turns');
    const answer = { content: 'ok', sources: [], citations: [], tools: [], done: null, error: null, sensitive: false };
    // Two rows per turn, often in the same millisecond: before, a tie fell to random ids.
    for (let n = 0; n < 200; n += 1) await conversations.appendTurn(user, conversation.id, `q${n}`, answer);
    const stored = (await conversations.get(user, conversation.id))!;
    expect(stored.messages.map((m) => m.content)).toEqual(
      Array.from({ length: 200 }, (_, n) => [`q${n}`, 'ok']).flat(),
    );
    const recent = (await conversations.recent(user, conversation.id, 6))!;
    expect(recent.messages.map((m) => m.content)).toEqual(['q197', 'ok', 'q198', 'ok', 'q199', 'ok']);
  });

  it('a conversation goes on after a stopped answer, which is kept as stopped', async () => {
    const address = await listening();
    const controller = new AbortController();
    const response = await fetch(`${address}/api/v1/ai/chat`, {
      method: 'POST',
      headers: { ...bearer(alice), 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'Tell me about the tulips', cloudModel: 'test/slow' }),
      signal: controller.signal,
    });
    const text = await readUntil(response, 'event: delta');
    controller.abort();
    const id = /"id":"([0-9a-f-]{36})"/.exec(text)![1]!;
    const stopped = await eventually(async () => {
      const { messages } = (await api(alice, 'GET', `/api/v1/ai/conversations/${id}`)).json();
      return messages.length === 2 ? messages : undefined;
    }, 'the stopped turn to be stored');
    expect(stopped[1]).toMatchObject({ role: 'assistant', error: { code: 'cancelled' } });

    openrouter.reply = () => 'In October [1].';
    const next = await chat(alice, { question: 'And when?', conversationId: id });
    expect(answerText(next)).toBe('In October [1].');
    expect(next.at(-1)).toMatchObject({ event: 'done' });
    // The stopped answer's partial text is history for the model, as the user saw it.
    const history = openrouter
      .chatBodies()
      .at(-1)!
      .messages.map((m: { role: string }) => m.role);
    expect(history).toEqual(['system', 'user', 'assistant', 'user']);
    const { messages } = (await api(alice, 'GET', `/api/v1/ai/conversations/${id}`)).json();
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it("a contact's class replaces the type's for everything linked to them", async () => {
    const grace = await api(alice, 'POST', '/api/v1/entities', { type: 'person', title: 'Grace Hopper' });
    expect(grace.statusCode, grace.body).toBe(201);
    // Not about boats: with vector retrieval a boat question would also bring Ada's kayak
    // message (sensitive) into the context, and the route would be needs_local regardless.
    const note = await api(alice, 'POST', '/api/v1/entities', {
      type: 'note',
      title: 'Library hours',
      body: 'The library opens at nine on Saturdays.',
    });
    const link = await api(alice, 'POST', '/api/v1/links', {
      kind: 'about',
      fromId: note.json().id,
      toId: grace.json().id,
    });
    expect(link.statusCode, link.body).toBe(201);
    await eventually(
      async () => ((await api(alice, 'GET', '/api/v1/search?q=library')).json().hits.length > 0 ? true : undefined),
      'the index',
    );
    openrouter.reply = () => 'At nine [1].';
    expect((await chat(alice, { question: 'When does the library open?' })).at(-1)!.data.route).toBe('cloud');

    const set = await api(alice, 'PUT', `/api/v1/ai/contacts/${grace.json().id}`, {
      dataClass: 'sensitive',
      cloudRedacted: false,
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().contacts).toEqual([
      { personId: grace.json().id, name: 'Grace Hopper', dataClass: 'sensitive', cloudRedacted: false },
    ]);
    const before = openrouter.requests.length;
    const events = await chat(alice, { question: 'When does the library open?' });
    expect(events[0]!.data.sources[0]).toMatchObject({ entityId: note.json().id, sensitive: true });
    expect(events.at(-1)!.data.route).toBe('needs_local');
    expect(openrouter.requests.length).toBe(before);

    // another user's contact, a note instead of a person, a malformed id: 404, 404, 400
    expect(
      (await api(bob, 'PUT', `/api/v1/ai/contacts/${grace.json().id}`, { dataClass: 'normal', cloudRedacted: true }))
        .statusCode,
    ).toBe(404);
    expect(
      (await api(alice, 'PUT', `/api/v1/ai/contacts/${note.json().id}`, { dataClass: 'normal', cloudRedacted: true }))
        .statusCode,
    ).toBe(404);
    expect(
      (await api(alice, 'PUT', '/api/v1/ai/contacts/not-an-id', { dataClass: 'normal', cloudRedacted: true }))
        .statusCode,
    ).toBe(400);
    expect((await api(bob, 'GET', '/api/v1/ai/contacts')).json().contacts).toEqual([]);

    expect((await api(alice, 'DELETE', `/api/v1/ai/contacts/${grace.json().id}`)).json().contacts).toEqual([]);
    expect((await chat(alice, { question: 'When does the library open?' })).at(-1)!.data.route).toBe('cloud');
  });

  it("keeps each user's audit and classes their own", async () => {
    expect((await api(bob, 'GET', '/api/v1/ai/egress')).json().entries).toEqual([]);
    const mine = (await api(alice, 'GET', '/api/v1/ai/egress?limit=1')).json().entries[0].id;
    expect((await api(bob, 'GET', `/api/v1/ai/egress?before=${mine}`)).json().entries).toEqual([]);
    // Bob's search finds none of Alice's entities, so nothing of hers is a source for him
    const events = await chat(bob, { question: 'Where is the kayak moored?' });
    expect(events[0]!.data.sources).toEqual([]);
  });
});
