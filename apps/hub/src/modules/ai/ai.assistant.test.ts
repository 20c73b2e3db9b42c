import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaStandIn, type OllamaStandIn } from '@made-open/ai/test/ollama.stand-in';
import { GOOD_KEY, startOpenRouterStandIn, type OpenRouterStandIn } from '@made-open/ai/test/openrouter.stand-in';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';
import { answerText, parseSse } from './test/sse.ts';

/**
 * Stored conversations, "draft a reply" and contact summaries on a real hub. OpenRouter and
 * Ollama are STAND-INS (packages/ai/test/*.stand-in.ts, selected by OPENROUTER_URL and the
 * operator's OLLAMA_URL); the real `openai` and `ollama` clients talk to them. Alice has an
 * OpenRouter key, so normal context goes to the cloud and sensitive context stays local; the
 * canaries are strings that must never be in any request the cloud stand-in receives.
 */
const MESSAGE_CANARY = 'CANARYBOAT4412';
const THREAD_CANARY = 'CANARYTHREAD9051';
const conversationOfEmail = 'conv-boat-trip';
const emailThreadId = `email:${Buffer.from(conversationOfEmail, 'utf8').toString('base64url')}`;

describe.each(testDatabaseKinds())('AI conversations, drafts and summaries on %s', (kind) => {
  let hub: TestHub;
  let openrouter: OpenRouterStandIn;
  let ollama: OllamaStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;
  const ids: Record<string, string> = {};

  const api = (
    user: SignedUpUser,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) => hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const chat = async (user: SignedUpUser, payload: object) => {
    const response = await api(user, 'POST', '/api/v1/ai/chat', payload);
    expect(response.statusCode, response.body).toBe(200);
    return parseSse(response.body);
  };
  const sentToCloud = () => openrouter.requests.map((r) => `${JSON.stringify(r.headers)}${r.body}`).join('\n');
  const create = async (key: string, entity: object) => {
    const response = await api(alice, 'POST', '/api/v1/entities', entity);
    expect(response.statusCode, response.body).toBe(201);
    ids[key] = response.json().id;
  };

  beforeAll(async () => {
    openrouter = await startOpenRouterStandIn();
    ollama = await startOllamaStandIn();
    hub = await createTestHub(kind, { OPENROUTER_URL: openrouter.url, OLLAMA_URL: ollama.url });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
    const key = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'openrouter',
      name: 'OpenRouter',
      secret: { apiKey: GOOD_KEY },
    });
    expect(key.statusCode, key.body).toBe(201);
    await create('garden', { type: 'note', title: 'Garden plan', body: 'Plant tulips along the fence in October.' });
    await create('boat', {
      type: 'message',
      title: 'Text about the boat',
      body: `The sailboat is moored at pier nine ${MESSAGE_CANARY}`,
    });
    // An email thread (the messages module reads it as any thread).
    for (const [n, direction, body] of [
      [1, 'inbound', `Shall we take the boat out on Saturday? ${THREAD_CANARY}`],
      [2, 'outbound', 'Maybe, what time were you thinking?'],
      [3, 'inbound', 'Around ten, from pier nine. Does that work?'],
    ] as const)
      await create(`email${n}`, {
        type: 'message',
        source: 'acme-inbox',
        externalId: `boat-${n}`,
        title: 'Boat trip',
        body,
        occurredAt: new Date(Date.UTC(2026, 10, 1, 9, n)).toISOString(),
        properties: {
          channel: 'email',
          direction,
          threadId: conversationOfEmail,
          subject: 'Boat trip',
          from: direction === 'inbound' ? 'ada@example.org' : 'me@example.org',
          to: [direction === 'inbound' ? 'me@example.org' : 'ada@example.org'],
        },
      });
    // A person with linked items, for the summary.
    await create('ada', { type: 'person', title: 'Ada Lovelace' });
    await create('adaNote', { type: 'note', title: 'Ada and the engine', body: 'Ada is writing notes on the engine.' });
    await create('adaEvent', {
      type: 'calendar_event',
      title: 'Lunch with Ada',
      body: 'Lunch at the harbour café.',
      // In the future: the newest of her items, whatever the clock says.
      occurredAt: new Date(Date.UTC(2099, 0, 20, 12)).toISOString(),
    });
    for (const from of [ids.adaNote, ids.adaEvent]) {
      const link = await api(alice, 'POST', '/api/v1/links', { kind: 'about', fromId: from, toId: ids.ada });
      expect(link.statusCode, link.body).toBe(201);
    }
    for (const word of ['tulips', 'sailboat'])
      await eventually(
        async () => ((await api(alice, 'GET', `/api/v1/search?q=${word}`)).json().hits.length > 0 ? true : undefined),
        `the search index to hold "${word}"`,
      );
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await openrouter?.close();
    await ollama?.close();
  });

  describe('conversations', () => {
    let conversationId: string;

    it('an answer starts a stored conversation with its question, answer, sources and citations', async () => {
      openrouter.reply = () => 'Plant them in October [1].';
      const events = await chat(alice, { question: 'When do I plant the tulips?' });
      expect(events[0]).toMatchObject({ event: 'conversation', data: { title: 'When do I plant the tulips?' } });
      conversationId = events[0]!.data.id;
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { route: 'cloud' } });

      const listed = (await api(alice, 'GET', '/api/v1/ai/conversations')).json().conversations;
      expect(listed).toEqual([expect.objectContaining({ id: conversationId, title: 'When do I plant the tulips?' })]);
      const stored = await api(alice, 'GET', `/api/v1/ai/conversations/${conversationId}`);
      expect(stored.statusCode, stored.body).toBe(200);
      expect(stored.json().messages).toMatchObject([
        { role: 'user', content: 'When do I plant the tulips?' },
        {
          role: 'assistant',
          content: 'Plant them in October [1].',
          sources: [{ number: 1, entityId: ids.garden, type: 'note', title: 'Garden plan', sensitive: false }],
          citations: [{ number: 1, entityId: ids.garden }],
          done: { route: 'cloud', model: 'openai/gpt-4o-mini' },
          error: null,
          sensitive: false,
        },
      ]);
    });

    it('a follow-up carries the earlier turns to the model, without their citation marks', async () => {
      openrouter.reply = () => 'Yes, in October [1].';
      const events = await chat(alice, { question: 'And the tulips need the fence?', conversationId });
      expect(events[0]).toMatchObject({ event: 'conversation', data: { id: conversationId } });
      const sent = openrouter.chatBodies().at(-1)!.messages;
      expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
      expect(sent[1]!.content).toBe('When do I plant the tulips?');
      expect(sent[2]!.content).toBe('Plant them in October.');
      const stored = (await api(alice, 'GET', `/api/v1/ai/conversations/${conversationId}`)).json();
      expect(stored.messages).toHaveLength(4);
    });

    it('sensitive history stays local: after a message was read, a normal follow-up is not sent to the cloud', async () => {
      ollama.reply = () => 'At pier nine [1].';
      const first = await chat(alice, { question: 'Where is the sailboat moored?' });
      const id = first[0]!.data.id as string;
      expect(first.at(-1)).toMatchObject({ event: 'done', data: { route: 'local', provider: 'ollama' } });
      const cloudBefore = openrouter.requests.length;
      ollama.reply = () => 'In October [1].';
      const followUp = await chat(alice, { question: 'When do I plant the tulips?', conversationId: id });
      expect(followUp.at(-1)).toMatchObject({ event: 'done', data: { route: 'local' } });
      // The local model saw the earlier answer; the cloud saw nothing of this conversation.
      expect(
        ollama
          .chatBodies()
          .at(-1)!
          .messages.some((m) => m.content === 'At pier nine.'),
      ).toBe(true);
      expect(openrouter.requests.length).toBe(cloudBefore);
      expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
      expect(sentToCloud()).not.toContain('pier nine');
      const stored = (await api(alice, 'GET', `/api/v1/ai/conversations/${id}`)).json().messages;
      expect(stored[1]).toMatchObject({ role: 'assistant', sensitive: true });
      expect(stored[1].sources[0]).toMatchObject({ entityId: ids.boat, sensitive: true });
    });

    it('a stopped or failed answer is stored with how it ended', async () => {
      const events = await chat(alice, { question: 'When do I plant the tulips?', cloudModel: 'vendor/retired' });
      expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'model_gone' } });
      const stored = (await api(alice, 'GET', `/api/v1/ai/conversations/${events[0]!.data.id}`)).json().messages;
      expect(stored[1]).toMatchObject({ role: 'assistant', content: '', done: null, error: { code: 'model_gone' } });
    });

    it("another user's conversation is a 404 everywhere; bad ids are 400; delete removes it", async () => {
      expect((await api(bob, 'GET', `/api/v1/ai/conversations/${conversationId}`)).statusCode).toBe(404);
      expect((await api(bob, 'DELETE', `/api/v1/ai/conversations/${conversationId}`)).statusCode).toBe(404);
      const continued = await api(bob, 'POST', '/api/v1/ai/chat', { question: 'hi', conversationId });
      expect(continued.statusCode).toBe(404);
      expect(continued.json().error.code).toBe('not_found');
      expect((await api(bob, 'GET', '/api/v1/ai/conversations')).json().conversations).toEqual([]);
      expect((await api(alice, 'GET', '/api/v1/ai/conversations/nope')).statusCode).toBe(400);
      expect((await api(alice, 'GET', '/api/v1/ai/conversations?limit=0')).statusCode).toBe(400);
      expect((await api(alice, 'POST', '/api/v1/ai/chat', { question: 'x', conversationId: 'nope' })).statusCode).toBe(
        400,
      );

      expect((await api(alice, 'DELETE', `/api/v1/ai/conversations/${conversationId}`)).statusCode).toBe(204);
      expect((await api(alice, 'GET', `/api/v1/ai/conversations/${conversationId}`)).statusCode).toBe(404);
      expect((await api(alice, 'DELETE', `/api/v1/ai/conversations/${conversationId}`)).statusCode).toBe(404);
      const left = await hub.db.asSystem(
        async (tx) =>
          (await tx.query('SELECT 1 FROM made_open.ai_messages WHERE conversation_id = $1', [conversationId])).rows,
      );
      expect(left).toEqual([]);
    });
  });

  describe('tools (run through actions as the principal "ai")', () => {
    type Body = { messages: Array<{ role: string; content: string | null; tool_call_id?: string }> };
    const toolResults = (b: Body) => b.messages.filter((m) => m.role === 'tool').map((m) => m.content ?? '');
    /** The model's side: these calls, one per round, then text. */
    const plan =
      (...rounds: Array<{ name: string; arguments: Record<string, unknown> }>) =>
      (b: Body) => {
        const next = rounds[toolResults(b).length];
        return next ? [next] : undefined;
      };
    const events = (list: Awaited<ReturnType<typeof chat>>, name: string) =>
      list.filter((e) => e.event === name).map((e) => e.data);

    afterAll(() => {
      openrouter.toolCalls = undefined;
      ollama.toolCalls = undefined;
    });

    it('offers the tools; without a grant the read is refused (audited) and the model is told how to allow it', async () => {
      openrouter.toolCalls = plan({ name: 'search_graph', arguments: { query: 'tulips' } });
      openrouter.reply = (b) => (toolResults(b as Body)[0]?.includes('permission_denied') ? 'I may not search.' : 'no');
      const list = await chat(alice, { question: 'When do I plant the tulips?' });
      expect(openrouter.chatBodies().at(-1)!).toMatchObject({ messages: expect.any(Array) });
      const offered = JSON.parse(openrouter.requests.filter((r) => r.path === '/chat/completions').at(-2)!.body);
      expect(offered.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
        'search_graph',
        'read_entity',
        'propose_send',
      ]);
      expect(events(list, 'tool')).toEqual([
        expect.objectContaining({ name: 'search_graph', outcome: 'denied', privacy: 'sent' }),
      ]);
      expect(list.at(-1)).toMatchObject({ event: 'done', data: { route: 'cloud' } });
      const decisions = await hub.db.asSystem(
        async (tx) =>
          (
            await tx.query<{ data: { permission: string; allowed: boolean; operation: string } }>(
              `SELECT data FROM made_open.outbox WHERE owner_id = $1 AND type = 'policy.Decision' AND subject = 'assistant'`,
              [alice.id],
            )
          ).rows,
      );
      expect(decisions.map((d) => d.data)).toContainEqual(
        expect.objectContaining({ permission: 'entities:read:*', allowed: false, operation: 'graph.search' }),
      );
    });

    it('with a grant: search, read and cite what it read; one audit row per cloud round', async () => {
      const grant = await api(alice, 'POST', '/api/v1/grants', {
        kind: 'ai',
        id: 'assistant',
        permission: 'entities:read:*',
      });
      expect(grant.statusCode, grant.body).toBe(201);
      const egressBefore = (await api(alice, 'GET', '/api/v1/ai/egress?limit=200')).json().entries.length;
      openrouter.toolCalls = plan(
        { name: 'search_graph', arguments: { query: 'engine' } },
        { name: 'read_entity', arguments: { id: ids.adaNote } },
      );
      openrouter.reply = (b) => {
        const read = toolResults(b as Body)[1]!;
        const { source } = JSON.parse(read.split('\n')[0]!) as { source: number };
        return read.includes('writing notes on the engine') ? `Ada writes notes on the engine [${source}].` : 'no';
      };
      const list = await chat(alice, { question: 'When do I plant the tulips?' });
      const [search, read] = events(list, 'tool');
      expect(search).toMatchObject({ name: 'search_graph', outcome: 'ok' });
      expect(search!.entityIds).toContain(ids.adaNote);
      expect(read).toMatchObject({ name: 'read_entity', outcome: 'ok', entityIds: [ids.adaNote], privacy: 'sent' });
      const [added] = events(list, 'source');
      expect(added).toMatchObject({
        entityId: ids.adaNote,
        type: 'note',
        title: 'Ada and the engine',
        sensitive: false,
      });
      expect(events(list, 'citation')).toContainEqual({ number: added!.number, entityId: ids.adaNote });
      const egress = (await api(alice, 'GET', '/api/v1/ai/egress?limit=200')).json().entries;
      expect(egress.length - egressBefore).toBe(3);
      expect(egress[0].entityIds).toContain(ids.adaNote);
      const stored = (await api(alice, 'GET', `/api/v1/ai/conversations/${list[0]!.data.id}`)).json().messages[1];
      expect(stored.tools.map((t: { name: string }) => t.name)).toEqual(['search_graph', 'read_entity']);
      expect(stored.sources.map((s: { entityId: string }) => s.entityId)).toContain(ids.adaNote);
    });

    it('canary: when a tool on the cloud route reads a message, the local model takes over and answers', async () => {
      openrouter.toolCalls = plan(
        { name: 'search_graph', arguments: { query: 'sailboat' } },
        { name: 'read_entity', arguments: { id: ids.boat } },
      );
      openrouter.reply = () => 'no';
      const cloudRounds = openrouter.chatBodies().length;
      const requestsBefore = openrouter.requests.length;
      const sentThisTurn = () =>
        openrouter.requests
          .slice(requestsBefore)
          .map((r) => r.body)
          .join('\n');
      const egressBefore = (await api(alice, 'GET', '/api/v1/ai/egress?limit=200')).json().entries.length;
      ollama.reply = (b) =>
        b.messages.some((m) => m.role === 'tool' && m.content.includes(MESSAGE_CANARY))
          ? 'It is moored at pier nine.'
          : 'no';
      const list = await chat(alice, { question: 'When do I plant the tulips?' });
      const [search, read] = events(list, 'tool');
      expect(search).toMatchObject({ outcome: 'ok', privacy: 'sent' });
      expect(read).toMatchObject({ name: 'read_entity', outcome: 'ok', privacy: 'local' });
      expect(answerText(list)).toBe('It is moored at pier nine.');
      expect(list.at(-1)).toMatchObject({
        event: 'done',
        data: { route: 'local', locality: 'local', model: 'llama3.2:3b', handoff: { fromModel: expect.any(String) } },
      });
      // The cloud asked for the search and the read (two rounds, two audit rows), and saw neither the
      // message nor the local model's answer.
      expect(openrouter.chatBodies().length - cloudRounds).toBe(2);
      expect((await api(alice, 'GET', '/api/v1/ai/egress?limit=200')).json().entries.length - egressBefore).toBe(2);
      expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
      expect(sentThisTurn()).not.toContain('pier nine');
      expect(sentThisTurn()).toContain('(sensitive: only a local model may read it)');
      // The local model was given the whole conversation, the cloud's tool calls included.
      expect(
        ollama
          .chatBodies()
          .at(-1)!
          .messages.filter((m) => m.role === 'tool'),
      ).toHaveLength(2);
      // Made from a message, the answer is sensitive history: a normal follow-up stays local.
      const conversationId = list[0]!.data.id as string;
      ollama.reply = () => 'Still at pier nine.';
      openrouter.toolCalls = undefined;
      const cloudBefore = openrouter.chatBodies().length;
      const followUp = await chat(alice, { question: 'And the tulips?', conversationId });
      expect(followUp.at(-1)).toMatchObject({ event: 'done', data: { route: 'local', handoff: null } });
      expect(openrouter.chatBodies().length).toBe(cloudBefore);
    });

    it('on the local route the local model reads the message', async () => {
      ollama.toolCalls = plan({ name: 'read_entity', arguments: { id: ids.boat } });
      ollama.reply = (b) =>
        b.messages.some((m) => m.role === 'tool' && m.content.includes(MESSAGE_CANARY)) ? 'Pier nine.' : 'no';
      const list = await chat(alice, { question: 'Where is the sailboat moored?' });
      expect(events(list, 'tool')).toEqual([expect.objectContaining({ name: 'read_entity', privacy: 'sent' })]);
      expect(
        list
          .filter((e) => e.event === 'delta')
          .map((e) => e.data.text)
          .join(''),
      ).toBe('Pier nine.');
      expect(list.at(-1)).toMatchObject({ event: 'done', data: { route: 'local' } });
      expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
    });

    it('a send is only proposed: the user sees it, nothing is sent or stored as a message', async () => {
      const messagesBefore = await hub.db.asSystem(
        async (tx) =>
          (await tx.query(`SELECT id FROM public.entities WHERE owner_id = $1 AND type = 'message'`, [alice.id])).rows
            .length,
      );
      openrouter.toolCalls = plan({
        name: 'propose_send',
        arguments: { to: '+14155550123', body: 'Tulips go in next week.', channel: 'sms' },
      });
      openrouter.reply = () => 'I have proposed a text for you to confirm.';
      const list = await chat(alice, { question: 'Tell the gardener when to plant the tulips' });
      expect(events(list, 'tool')).toEqual([
        expect.objectContaining({
          name: 'propose_send',
          outcome: 'proposed',
          proposal: { to: '+14155550123', body: 'Tulips go in next week.', channel: 'sms' },
        }),
      ]);
      const messagesAfter = await hub.db.asSystem(
        async (tx) =>
          (await tx.query(`SELECT id FROM public.entities WHERE owner_id = $1 AND type = 'message'`, [alice.id])).rows
            .length,
      );
      expect(messagesAfter).toBe(messagesBefore);
      // Bad arguments from the model are an error it reads, not a 500.
      openrouter.toolCalls = plan({ name: 'read_entity', arguments: { id: 'not-an-id' } });
      openrouter.reply = () => 'Sorry.';
      const bad = await chat(alice, { question: 'When do I plant the tulips?' });
      expect(events(bad, 'tool')).toEqual([expect.objectContaining({ name: 'read_entity', outcome: 'invalid' })]);
      expect(bad.at(-1)!.event).toBe('done');
    });

    it('a proposed email attaches stored files the assistant may read; anything else is an error it reads', async () => {
      const upload = async (user: SignedUpUser, bucket: string, name: string, body: string) => {
        await api(user, 'POST', '/storage/v1/bucket', { id: bucket, name: bucket });
        const stored = await hub.app.inject({
          method: 'POST',
          url: `/storage/v1/object/${bucket}/${name}`,
          headers: { ...bearer(user), 'content-type': 'application/pdf' },
          payload: Buffer.from(body),
        });
        expect(stored.statusCode, stored.body).toBe(200);
        const files = (await api(user, 'GET', '/api/v1/entities?type=file')).json().items as Array<{
          id: string;
          title: string;
        }>;
        return files.find((f) => f.title === name.split('/').pop())!.id;
      };
      // Reading a file is a grant of its own; the assistant may hold a wider one already.
      const grant = await api(alice, 'POST', '/api/v1/grants', {
        kind: 'ai',
        id: 'assistant',
        permission: 'entities:read:file',
      });
      expect(grant.statusCode, grant.body).toBe(201);
      const plan1 = await upload(alice, 'docs', 'garden/planting-plan.pdf', '%PDF-1.4 tulips');
      const bobsFile = await upload(bob, 'bobs-docs', 'bob-only.pdf', '%PDF-1.4 bob');
      const handMade = await api(alice, 'POST', '/api/v1/entities', {
        type: 'file',
        title: 'not really stored',
        properties: { storageKey: 'docs/garden/planting-plan.pdf' },
      });
      expect(handMade.statusCode, handMade.body).toBe(201);
      openrouter.reply = ollama.reply = () => 'I have proposed an email for you to confirm.';
      const propose = async (args: Record<string, unknown>) => {
        // Whichever model answers (a file found by the question may be sensitive: then the local one).
        openrouter.toolCalls = ollama.toolCalls = plan({
          name: 'propose_send',
          arguments: { to: 'gardener@example.org', body: 'The plan is attached.', ...args },
        });
        return events(await chat(alice, { question: 'Email the gardener the planting plan' }), 'tool')[0]!;
      };

      const proposed = await propose({ channel: 'email', subject: 'Planting plan', attachments: [plan1, plan1] });
      expect(proposed).toMatchObject({ outcome: 'proposed', entityIds: [plan1] });
      expect(proposed.proposal).toEqual({
        to: 'gardener@example.org',
        body: 'The plan is attached.',
        channel: 'email',
        subject: 'Planting plan',
        attachments: [{ id: plan1, name: 'planting-plan.pdf', path: 'docs/garden/planting-plan.pdf', sizeBytes: 15 }],
      });
      // Kept with the conversation, so the proposal can still be confirmed after a reload.
      const conversations = (await api(alice, 'GET', '/api/v1/ai/conversations')).json().conversations;
      const stored = (await api(alice, 'GET', `/api/v1/ai/conversations/${conversations[0].id}`)).json();
      expect(stored.messages.at(-1).tools[0].proposal.attachments).toEqual(proposed.proposal.attachments);

      // Bob's file is not Alice's to read (RLS: not found); a file entity written by hand names
      // no stored object of hers; a text carries no files.
      expect(await propose({ channel: 'email', attachments: [bobsFile] })).toMatchObject({ outcome: 'not_found' });
      expect(await propose({ channel: 'email', attachments: [handMade.json().id] })).toMatchObject({
        outcome: 'invalid',
        message: expect.stringContaining('is not a stored file'),
      });
      expect(await propose({ channel: 'sms', attachments: [plan1] })).toMatchObject({
        outcome: 'invalid',
        message: 'Only an email carries attachments: set channel to "email".',
      });
      // A contact named by id is shown by name; an id that is no contact of hers is refused.
      expect((await propose({ to: ids.ada, channel: 'email' })).proposal).toMatchObject({
        to: ids.ada,
        toName: 'Ada Lovelace',
      });
      for (const to of [ids.garden, bob.id, '01a24f0e-755f-74bd-8d01-ae9be4979fa1'])
        expect(await propose({ to, channel: 'email' })).toMatchObject({
          outcome: 'invalid',
          message: expect.stringContaining("is not one of the user's contacts"),
        });
      expect(await propose({ channel: 'email', attachments: ['docs/garden/planting-plan.pdf'] })).toMatchObject({
        outcome: 'invalid',
        message: expect.stringContaining('file ids'),
      });
    });
  });

  describe('draft a reply', () => {
    it('drafts from the thread with the local model only (message bodies are sensitive); nothing is sent', async () => {
      ollama.reply = (body) =>
        body.messages.at(-1)!.content.includes('Around ten') ? 'Ten works for me, see you at pier nine.' : 'no';
      const cloudBefore = openrouter.requests.length;
      const response = await api(alice, 'POST', '/api/v1/ai/drafts', {
        threadId: emailThreadId,
        instruction: 'say yes',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        draft: 'Ten works for me, see you at pier nine.',
        threadId: emailThreadId,
        channel: 'email',
        replyTo: ids.email3,
        messageIds: [ids.email1, ids.email2, ids.email3],
        done: { route: 'local', provider: 'ollama', model: 'llama3.2:3b' },
      });
      const prompt = ollama.chatBodies().at(-1)!.messages.at(-1)!.content;
      expect(prompt).toContain('Subject: Boat trip');
      expect(prompt).toContain('What I want to say: say yes');
      expect(prompt.indexOf('Shall we take the boat')).toBeLessThan(prompt.indexOf('Around ten'));
      expect(openrouter.requests.length).toBe(cloudBefore);
      expect(sentToCloud()).not.toContain(THREAD_CANARY);
      // A draft is only text: no message entity was made.
      const thread = (await api(alice, 'GET', `/api/v1/messages/threads/${encodeURIComponent(emailThreadId)}`)).json();
      expect(thread.messages).toHaveLength(3);
    });

    it('when the user makes messages normal, the draft goes to the cloud and is audited as a draft', async () => {
      expect(
        (await api(alice, 'PUT', '/api/v1/ai/classes/message', { dataClass: 'normal', cloudRedacted: true }))
          .statusCode,
      ).toBe(200);
      try {
        openrouter.reply = () => 'Saturday at ten is fine.';
        const response = await api(alice, 'POST', '/api/v1/ai/drafts', { threadId: emailThreadId });
        expect(response.json()).toMatchObject({ draft: 'Saturday at ten is fine.', done: { route: 'cloud' } });
        const audit = (await api(alice, 'GET', '/api/v1/ai/egress?limit=1')).json().entries[0];
        expect(audit).toMatchObject({ purpose: 'draft', outcome: 'ok' });
        expect([...audit.entityIds].sort()).toEqual([ids.email1, ids.email2, ids.email3].sort());
      } finally {
        await api(alice, 'DELETE', '/api/v1/ai/classes/message');
      }
    });

    it('streams the draft as Server-Sent Events when asked (deltas, then the draft); errors before it stay JSON', async () => {
      const stream = (user: SignedUpUser, body: object) =>
        hub.app.inject({
          method: 'POST',
          url: '/api/v1/ai/drafts',
          headers: { ...bearer(user), accept: 'text/event-stream' },
          payload: body,
        });
      ollama.reply = () => 'Ten works for me, see you at pier nine.';
      const made = await stream(alice, { threadId: emailThreadId });
      expect(made.statusCode, made.body).toBe(200);
      expect(made.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = parseSse(made.body);
      expect(events.filter((e) => e.event === 'delta').length).toBeGreaterThan(1);
      expect(answerText(events)).toBe('Ten works for me, see you at pier nine.');
      expect(events.at(-1)).toMatchObject({
        event: 'draft',
        data: { draft: 'Ten works for me, see you at pier nine.', channel: 'email', replyTo: ids.email3 },
      });
      expect((await stream(bob, { threadId: emailThreadId })).statusCode).toBe(404);
      expect((await stream(alice, { threadId: 'nope' })).statusCode).toBe(400);
      const missing = await stream(alice, { threadId: emailThreadId, localModel: 'mistral:7b' });
      expect(missing.statusCode).toBe(502);
      expect(missing.json().error).toMatchObject({ code: 'model_not_pulled' });
    });

    it("another user's thread is a 404; bad input is a 400; a provider failure is a 502 a person can act on", async () => {
      expect((await api(bob, 'POST', '/api/v1/ai/drafts', { threadId: emailThreadId })).statusCode).toBe(404);
      expect((await api(alice, 'POST', '/api/v1/ai/drafts', { threadId: 'nope' })).statusCode).toBe(400);
      expect((await api(alice, 'POST', '/api/v1/ai/drafts', {})).statusCode).toBe(400);
      expect(
        (await api(alice, 'POST', '/api/v1/ai/drafts', { threadId: emailThreadId, instruction: 'x'.repeat(501) }))
          .statusCode,
      ).toBe(400);
      const missing = await api(alice, 'POST', '/api/v1/ai/drafts', {
        threadId: emailThreadId,
        localModel: 'mistral:7b',
      });
      expect(missing.statusCode).toBe(502);
      expect(missing.json().error).toMatchObject({ code: 'model_not_pulled' });
      expect(missing.json().error.message).toContain('ollama pull mistral:7b');
    });
  });

  describe('contact summaries', () => {
    const summary = (user: SignedUpUser, method: 'GET' | 'POST', body?: object) =>
      api(user, method, `/api/v1/ai/people/${ids.ada}/summary`, method === 'POST' ? (body ?? {}) : undefined);

    it('summarises the person from their graph, cites it, and serves the cached one while nothing changed', async () => {
      expect((await summary(alice, 'GET')).json()).toEqual({ summary: null, stale: false });
      openrouter.reply = (b) =>
        b.messages[0]!.content.includes('Lunch with Ada')
          ? '- Lunch at the harbour café [2].\n- Notes on the engine [3].'
          : 'no';
      const made = await summary(alice, 'POST');
      expect(made.statusCode, made.body).toBe(200);
      expect(made.json()).toMatchObject({
        personId: ids.ada,
        summary: '- Lunch at the harbour café [2].\n- Notes on the engine [3].',
        cached: false,
        done: { route: 'cloud', provider: 'openrouter' },
        citations: [
          { number: 2, entityId: ids.adaEvent },
          { number: 3, entityId: ids.adaNote },
        ],
      });
      expect(made.json().sources.map((s: { entityId: string }) => s.entityId)).toEqual([
        ids.ada,
        ids.adaEvent,
        ids.adaNote,
      ]);
      expect((await api(alice, 'GET', '/api/v1/ai/egress?limit=1')).json().entries[0]).toMatchObject({
        purpose: 'summary',
      });

      const requests = openrouter.requests.length;
      const again = await summary(alice, 'POST');
      expect(again.json()).toMatchObject({
        cached: true,
        summary: made.json().summary,
        citations: made.json().citations,
      });
      expect((await summary(alice, 'GET')).json()).toMatchObject({ stale: false, summary: { cached: true } });
      expect(openrouter.requests.length).toBe(requests);
    });

    it("a change to the person's data makes the cached summary stale; the next one reads the change", async () => {
      const edited = await api(alice, 'PATCH', `/api/v1/entities/${ids.adaNote}`, {
        body: 'Ada finished the notes on the engine.',
        version: 1,
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect((await summary(alice, 'GET')).json()).toEqual({ summary: null, stale: true });
      openrouter.reply = (b) => (b.messages[0]!.content.includes('finished') ? 'She finished the notes [3].' : 'no');
      expect((await summary(alice, 'POST')).json()).toMatchObject({
        cached: false,
        summary: 'She finished the notes [3].',
      });

      // A new linked item (a text from her: sensitive) changes it too, and now only the local model may read it.
      await create('adaText', { type: 'message', title: 'Text from Ada', body: `See you at lunch ${MESSAGE_CANARY}` });
      expect(
        (await api(alice, 'POST', '/api/v1/links', { kind: 'from', fromId: ids.adaText, toId: ids.ada })).statusCode,
      ).toBe(201);
      expect((await summary(alice, 'GET')).json().stale).toBe(true);
      ollama.reply = () => 'Ada is meeting you for lunch [2].';
      expect((await summary(alice, 'POST')).json()).toMatchObject({
        summary: 'Ada is meeting you for lunch [2].',
        done: { route: 'local', provider: 'ollama' },
      });
      expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
      // refresh: made again even though nothing changed
      ollama.reply = () => 'Lunch soon [2].';
      expect((await summary(alice, 'POST', { refresh: true })).json()).toMatchObject({
        cached: false,
        summary: 'Lunch soon [2].',
      });
    });

    it('streams a new summary as Server-Sent Events (sources, deltas, the summary); model errors become an error event', async () => {
      const stream = (user: SignedUpUser, body: object) =>
        hub.app.inject({
          method: 'POST',
          url: `/api/v1/ai/people/${ids.ada}/summary`,
          headers: { ...bearer(user), accept: 'text/event-stream' },
          payload: body,
        });
      openrouter.reply = () => 'Lunch with Ada at the harbour café, then the engine notes [2].';
      ollama.reply = openrouter.reply;
      const made = await stream(alice, { refresh: true });
      expect(made.statusCode, made.body).toBe(200);
      expect(made.headers['content-type']).toMatch(/^text\/event-stream/);
      const events = parseSse(made.body);
      expect(events[0]!.event).toBe('sources');
      expect(events[0]!.data.sources[0]).toMatchObject({ number: 1, entityId: ids.ada });
      const deltas = events.filter((e) => e.event === 'delta');
      expect(deltas.length).toBeGreaterThan(1);
      expect(answerText(events)).toBe('Lunch with Ada at the harbour café, then the engine notes [2].');
      expect(events.at(-1)).toMatchObject({
        event: 'summary',
        data: { summary: answerText(events), cached: false, citations: [{ number: 2 }] },
      });

      // The cached one: no model, one summary event.
      const cached = parseSse((await stream(alice, {})).body);
      expect(cached).toEqual([{ event: 'summary', data: expect.objectContaining({ cached: true }) }]);

      // A model failing mid-way: an error event after what was written, nothing cached.
      const failed = parseSse(
        (await stream(alice, { refresh: true, cloudModel: 'test/midstream-error', localModel: 'test/midstream-error' }))
          .body,
      );
      expect(failed.at(-1)!.event).toBe('error');
      expect(failed.some((e) => e.event === 'summary')).toBe(false);

      // Found before anything is written: plain JSON errors.
      const foreign = await stream(bob, {});
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().error.code).toBe('not_found');
      expect((await stream(alice, { refresh: 'yes' })).statusCode).toBe(400);
    });

    it("another user's person, a note, a bad id: 404, 404, 400", async () => {
      expect((await summary(bob, 'GET')).statusCode).toBe(404);
      expect((await summary(bob, 'POST')).statusCode).toBe(404);
      expect((await api(alice, 'GET', `/api/v1/ai/people/${ids.garden}/summary`)).statusCode).toBe(404);
      expect((await api(alice, 'GET', '/api/v1/ai/people/nope/summary')).statusCode).toBe(400);
      expect((await summary(alice, 'POST', { refresh: 'yes' })).statusCode).toBe(400);
      const rows = await hub.db.asSystem(
        async (tx) =>
          (await tx.query('SELECT owner_id FROM made_open.ai_summaries WHERE person_id = $1', [ids.ada])).rows,
      );
      expect(rows).toEqual([{ owner_id: alice.id }]);
    });
  });

  it('documents the new routes in OpenAPI', async () => {
    const paths = Object.keys((await hub.app.inject({ method: 'GET', url: '/docs/json' })).json().paths);
    for (const path of [
      '/api/v1/ai/conversations',
      '/api/v1/ai/conversations/{conversationId}',
      '/api/v1/ai/drafts',
      '/api/v1/ai/people/{personId}/summary',
    ])
      expect(paths).toContain(path);
  });
});
