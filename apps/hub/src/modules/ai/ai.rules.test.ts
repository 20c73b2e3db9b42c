import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaStandIn, type OllamaStandIn } from '@made-open/ai/test/ollama.stand-in';
import { GOOD_KEY, startOpenRouterStandIn, type OpenRouterStandIn } from '@made-open/ai/test/openrouter.stand-in';
import { testDatabaseKinds } from '../../../test/databases.ts';
import { createTestHub, type TestHub } from '../../../test/hub.ts';
import { bearer, signUpUser, type SignedUpUser } from '../../../test/users.ts';
import { eventually } from '../connectors/test/support.ts';

/**
 * Rules that ask the owner's AI model to summarise or draft (ai.summarize, ai.draftReply) on
 * a real hub whose only model is in the cloud: OpenRouter is a STAND-IN (packages/ai/test,
 * selected by OPENROUTER_URL) and no Ollama is set up, so sensitive text has nowhere to go
 * but a refusal. Canary: a message body that must never be in any request the stand-in gets.
 */
const MESSAGE_CANARY = 'CANARYRULE5521';
const EMAIL = 'grace.canary@example.org';

const newEntity = (type: string, filter: object | null, steps: object[]) => ({
  name: `AI on new ${type}s`,
  triggers: [
    {
      id: 'created',
      type: 'event',
      event: 'data.EntityCreated',
      filter: {
        all: [{ cmp: { left: 'trigger.data.entity.type', op: 'eq', right: type } }, ...(filter ? [filter] : [])],
      },
    },
  ],
  steps,
  limits: { perHour: 1000, maxDepth: 3 },
});

const summarizeStep = {
  id: 'sum',
  type: 'action',
  action: 'ai.summarize',
  with: { subjectId: '{{ trigger.data.entity.id }}' },
};
const summaryGrants = ['ai:generate', 'entities:read:*', 'entities:write:note'];

describe.each(testDatabaseKinds())('rules asking AI, on %s', (kind) => {
  let hub: TestHub;
  let openrouter: OpenRouterStandIn;
  let alice: SignedUpUser;
  let bob: SignedUpUser;

  const api = (user: SignedUpUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(user), ...(payload ? { payload } : {}) });
  const sentToCloud = () => openrouter.requests.map((r) => `${JSON.stringify(r.headers)}${r.body}`).join('\n');

  async function createRule(user: SignedUpUser, definition: object, approve: string[]) {
    const res = await api(user, 'POST', '/api/v1/rules', { definition, approve, enabled: true });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().rule.id as string;
  }
  const disable = async (user: SignedUpUser, ruleId: string) =>
    expect((await api(user, 'POST', `/api/v1/rules/${ruleId}/disable`)).statusCode).toBe(200);
  async function entity(user: SignedUpUser, body: object) {
    const res = await api(user, 'POST', '/api/v1/entities', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  }
  /** The rule's one finished run with its trace. */
  async function finishedRun(user: SignedUpUser, ruleId: string) {
    const run = await eventually(async () => {
      const items = (await api(user, 'GET', `/api/v1/rules/${ruleId}/runs`)).json().items as Array<{
        id: string;
        status: string;
      }>;
      return items.find((r) => r.status === 'succeeded' || r.status === 'failed');
    }, 'the rule run to finish');
    return (await api(user, 'GET', `/api/v1/rules/${ruleId}/runs/${run.id}`)).json() as {
      status: string;
      reason: string | null;
      trace: Array<{
        stepId?: string;
        status: string;
        output?: Record<string, unknown>;
        error?: { code: string; message: string };
      }>;
    };
  }
  const stepOf = (run: Awaited<ReturnType<typeof finishedRun>>, id: string) => run.trace.find((t) => t.stepId === id)!;
  const notesAbout = async (user: SignedUpUser, id: string) =>
    (
      (await api(user, 'GET', `/api/v1/entities/${id}/links`)).json().items as Array<{
        kind: string;
        entity: {
          id: string;
          type: string;
          title: string;
          body: string;
          properties: Record<string, unknown>;
          source: string;
        };
      }>
    ).filter((l) => l.kind === 'about' && l.entity.type === 'note');

  beforeAll(async () => {
    openrouter = await startOpenRouterStandIn();
    hub = await createTestHub(kind, { OPENROUTER_URL: openrouter.url }, { rules: { indexTtlMs: 0 } });
    alice = await signUpUser(hub);
    bob = await signUpUser(hub);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await openrouter?.close();
  }, 60_000);

  it('is refused at save until its owner approves ai:generate, and nothing is saved', async () => {
    const definition = newEntity('note', null, [summarizeStep]);
    const refused = await api(alice, 'POST', '/api/v1/rules', {
      definition,
      approve: ['entities:read:*', 'entities:write:note'],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({ code: 'grants_required', details: { missing: ['ai:generate'] } });
    const draft = newEntity('message', null, [
      { id: 'draft', type: 'action', action: 'ai.draftReply', with: { messageId: '{{ trigger.data.entity.id }}' } },
    ]);
    const noDraftGrant = await api(alice, 'POST', '/api/v1/rules', { definition: draft, approve: [] });
    expect(noDraftGrant.json().error.details.missing).toEqual([
      'ai:generate',
      'entities:read:message',
      'entities:write:note',
    ]);
    // Nothing was saved.
    expect((await api(alice, 'GET', '/api/v1/rules')).json().items).toEqual([]);
  });

  it('with no model: the run fails with what to do in its trace, and nobody is asked', async () => {
    const ruleId = await createRule(
      alice,
      newEntity('note', { cmp: { left: 'trigger.data.entity.title', op: 'matches', right: '^Nomodel' } }, [
        summarizeStep,
      ]),
      summaryGrants,
    );
    const noteId = await entity(alice, { type: 'note', title: 'Nomodel plan', body: 'Buy paint.' });
    const run = await finishedRun(alice, ruleId);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'sum').error).toMatchObject({
      code: 'no_model',
      message: expect.stringMatching(/Settings → Credentials/),
    });
    expect(openrouter.chatBodies()).toHaveLength(0);
    expect(await notesAbout(alice, noteId)).toEqual([]);
    await disable(alice, ruleId);
  });

  it('summarises a new note in the cloud, stores the summary as a linked note, passes it on, and audits the request', async () => {
    const created = await api(alice, 'POST', '/api/v1/credentials', {
      type: 'openrouter',
      name: 'OR',
      secret: { apiKey: GOOD_KEY },
    });
    expect(created.statusCode, created.body).toBe(201);
    openrouter.reply = () => '- Lisbon in May, flights booked.';
    const ruleId = await createRule(
      alice,
      newEntity('note', { cmp: { left: 'trigger.data.entity.title', op: 'matches', right: '^Trip' } }, [
        summarizeStep,
        { id: 'tell', type: 'action', action: 'notify', with: { title: 'Summary: {{ steps.sum.output.summary }}' } },
      ]),
      [...summaryGrants, 'notify'],
    );
    const noteId = await entity(alice, {
      type: 'note',
      title: 'Trip to Lisbon',
      body: 'Flights booked for May; hotel near Alfama.',
    });
    const run = await finishedRun(alice, ruleId);
    expect(run.status, JSON.stringify(run.trace)).toBe('succeeded');
    const output = stepOf(run, 'sum').output!;
    expect(output).toMatchObject({
      summary: '- Lisbon in May, flights booked.',
      subjectId: noteId,
      scope: 'entity',
      route: 'cloud',
      locality: 'cloud',
      provider: 'openrouter',
      noteId: expect.any(String),
    });
    // The following step read the output.
    expect(stepOf(run, 'tell').status).toBe('ok');
    const [about] = await notesAbout(alice, noteId);
    expect(about!.entity).toMatchObject({
      id: output.noteId,
      title: 'Summary: Trip to Lisbon',
      body: '- Lisbon in May, flights booked.',
      properties: { tags: ['ai-summary'] },
      source: `rule.${ruleId}`,
    });
    expect(openrouter.chatBodies().at(-1)!.messages[1]!.content).toContain('hotel near Alfama');
    const egress = (await api(alice, 'GET', '/api/v1/ai/egress')).json().entries;
    expect(egress[0]).toMatchObject({
      provider: 'openrouter',
      purpose: 'rule',
      entityIds: [noteId],
      outcome: 'ok',
      classes: ['normal'],
    });
    await disable(alice, ruleId);
  });

  it('canary: a message body never reaches the cloud through a rule; the step says a local model is needed', async () => {
    const before = openrouter.requests.length;
    const ruleId = await createRule(alice, newEntity('message', null, [summarizeStep]), summaryGrants);
    const messageId = await entity(alice, {
      type: 'message',
      title: 'Text from Ada',
      body: `The spare key is under the third pot ${MESSAGE_CANARY}`,
      properties: { channel: 'sms', direction: 'inbound', from: '+14155550177', threadId: 'sms:+14155550100:ada' },
    });
    const run = await finishedRun(alice, ruleId);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'sum').error).toMatchObject({ code: 'needs_local', message: expect.stringMatching(/Ollama/) });
    expect(openrouter.requests.length).toBe(before);
    expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
    expect(JSON.stringify((await api(alice, 'GET', '/api/v1/ai/egress')).json())).not.toContain(messageId);
    expect(await notesAbout(alice, messageId)).toEqual([]);
    await disable(alice, ruleId);
  });

  it('drafts a reply to a new message as a linked note, redacted for the cloud when allowed, and never sends it', async () => {
    // The owner lets a redacted copy of messages go to the cloud: PII becomes placeholders.
    const allowed = await api(alice, 'PUT', '/api/v1/ai/classes/message', {
      dataClass: 'sensitive',
      cloudRedacted: true,
    });
    expect(allowed.statusCode, allowed.body).toBe(200);
    openrouter.reply = (b) => {
      const placeholder = /⟦EMAIL_\d+⟧/.exec(JSON.stringify(b.messages))?.[0] ?? 'none';
      return `Yes, I'll write to ${placeholder} tonight.`;
    };
    const ruleId = await createRule(
      alice,
      newEntity('message', { cmp: { left: 'trigger.data.entity.title', op: 'eq', right: 'Email from Grace' } }, [
        { id: 'draft', type: 'action', action: 'ai.draftReply', with: { messageId: '{{ trigger.data.entity.id }}' } },
      ]),
      ['ai:generate', 'entities:read:message', 'entities:write:note'],
    );
    const messageId = await entity(alice, {
      type: 'message',
      title: 'Email from Grace',
      body: `Can you email the plans to ${EMAIL}?`,
      properties: {
        channel: 'email',
        direction: 'inbound',
        from: 'grace@example.com',
        to: ['alice@example.com'],
        subject: 'Plans',
        threadId: 'conv-grace-1',
      },
    });
    const run = await finishedRun(alice, ruleId);
    expect(run.status, JSON.stringify(run.trace)).toBe('succeeded');
    const threadId = `email:${Buffer.from('conv-grace-1').toString('base64url')}`;
    expect(stepOf(run, 'draft').output).toMatchObject({
      draft: `Yes, I'll write to ${EMAIL} tonight.`,
      messageId,
      threadId,
      channel: 'email',
      route: 'cloud',
      redacted: { email: 1 },
    });
    expect(sentToCloud()).not.toContain(EMAIL);
    expect(sentToCloud()).not.toContain(MESSAGE_CANARY);
    const [about] = await notesAbout(alice, messageId);
    expect(about!.entity).toMatchObject({
      title: 'Draft reply: Email from Grace',
      body: `Yes, I'll write to ${EMAIL} tonight.`,
      properties: { tags: ['draft-reply'] },
    });
    const egress = (await api(alice, 'GET', '/api/v1/ai/egress')).json().entries[0];
    expect(egress).toMatchObject({ purpose: 'rule', redactions: { email: 1 }, entityIds: [messageId] });
    // Nothing was sent: no outbound message exists, only the two texts Alice received.
    const messages = (await api(alice, 'GET', '/api/v1/entities?type=message&limit=50')).json().items as Array<{
      properties: { direction: string };
    }>;
    expect(messages.map((m) => m.properties.direction)).toEqual(['inbound', 'inbound']);
    await disable(alice, ruleId);
    expect((await api(alice, 'DELETE', '/api/v1/ai/classes/message')).statusCode).toBeLessThan(300);
  });

  it("another user's rule cannot use your model: it runs with its own owner's providers only", async () => {
    const before = openrouter.requests.length;
    const ruleId = await createRule(bob, newEntity('note', null, [summarizeStep]), summaryGrants);
    const noteId = await entity(bob, { type: 'note', title: 'Bob plan', body: 'Paint the fence.' });
    const run = await finishedRun(bob, ruleId);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'sum').error).toMatchObject({ code: 'no_model' });
    expect(openrouter.requests.length).toBe(before);
    expect((await api(bob, 'GET', '/api/v1/ai/egress')).json().entries).toEqual([]);
    expect(await notesAbout(bob, noteId)).toEqual([]);
    // And it cannot name Alice's data: her note is a 404 to it.
    const aliceNote = await entity(alice, { type: 'note', title: 'Alice private', body: 'Secret plan.' });
    const manual = await api(bob, 'POST', '/api/v1/rules', {
      definition: {
        name: 'Summarise hers',
        triggers: [{ id: 'go', type: 'manual' }],
        steps: [{ id: 'sum', type: 'action', action: 'ai.summarize', with: { subjectId: aliceNote } }],
      },
      approve: summaryGrants,
      enabled: true,
    });
    expect(manual.statusCode, manual.body).toBe(201);
    const manualId = manual.json().rule.id as string;
    expect((await api(bob, 'POST', `/api/v1/rules/${manualId}/run`, {})).statusCode).toBeLessThan(300);
    const refused = await finishedRun(bob, manualId);
    expect(refused.status).toBe('failed');
    expect(stepOf(refused, 'sum').error!.code).toBe('not_found');
    expect(openrouter.requests.length).toBe(before);
  });
});

describe.each(testDatabaseKinds())('rules asking AI with a local model, on %s', (kind) => {
  let hub: TestHub;
  let openrouter: OpenRouterStandIn;
  let ollama: OllamaStandIn;
  let alice: SignedUpUser;

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    hub.app.inject({ method, url, headers: bearer(alice), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    openrouter = await startOpenRouterStandIn();
    ollama = await startOllamaStandIn();
    hub = await createTestHub(
      kind,
      { OPENROUTER_URL: openrouter.url, OLLAMA_URL: ollama.url },
      { rules: { indexTtlMs: 0 } },
    );
    alice = await signUpUser(hub);
    const key = await api('POST', '/api/v1/credentials', {
      type: 'openrouter',
      name: 'OR',
      secret: { apiKey: GOOD_KEY },
    });
    expect(key.statusCode, key.body).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    await openrouter?.close();
    await ollama?.close();
  }, 60_000);

  it("canary: a person's history with a message in it is summarised by the local model only, and stored on the person", async () => {
    const create = async (body: object) => {
      const res = await api('POST', '/api/v1/entities', body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const ada = await create({ type: 'person', title: 'Ada Lovelace' });
    const text = await create({
      type: 'message',
      title: 'Text from Ada',
      body: `The boat keys are at the harbour office ${MESSAGE_CANARY}`,
    });
    expect((await api('POST', '/api/v1/links', { kind: 'from', fromId: text, toId: ada })).statusCode).toBe(201);
    ollama.reply = () => '- Ada left the boat keys at the harbour office [2].';
    const saved = await api('POST', '/api/v1/rules', {
      definition: {
        name: 'Brief me on someone',
        triggers: [{ id: 'ask', type: 'manual' }],
        steps: [
          {
            id: 'brief',
            type: 'action',
            action: 'ai.summarize',
            with: { subjectId: '{{ trigger.data.personId }}', scope: 'person' },
          },
        ],
      },
      approve: summaryGrants,
      enabled: true,
    });
    expect(saved.statusCode, saved.body).toBe(201);
    const ruleId = saved.json().rule.id as string;
    const started = await api('POST', `/api/v1/rules/${ruleId}/run`, { data: { personId: ada } });
    expect(started.statusCode, started.body).toBeLessThan(300);
    type Run = {
      status: string;
      trace: Array<{ stepId?: string; output?: { noteId?: string } & Record<string, unknown> }>;
    };
    const run = await eventually<Run>(async () => {
      const items = (await api('GET', `/api/v1/rules/${ruleId}/runs`)).json().items as Array<{
        id: string;
        status: string;
      }>;
      const done = items.find((r) => r.status === 'succeeded' || r.status === 'failed');
      return done ? (await api('GET', `/api/v1/rules/${ruleId}/runs/${done.id}`)).json() : undefined;
    }, 'the rule run to finish');
    expect(run.status, JSON.stringify(run.trace)).toBe('succeeded');
    const step = run.trace.find((t) => t.stepId === 'brief')!;
    expect(step.output).toMatchObject({ scope: 'person', route: 'local', locality: 'local', provider: 'ollama' });
    expect(JSON.stringify(ollama.chatBodies())).toContain(MESSAGE_CANARY);
    expect(openrouter.requests.map((r) => r.body).join('\n')).not.toContain(MESSAGE_CANARY);
    expect(openrouter.chatBodies()).toHaveLength(0);
    // A local request leaves nothing in the egress audit (nothing left the machine).
    expect((await api('GET', '/api/v1/ai/egress')).json().entries).toEqual([]);
    const links = (await api('GET', `/api/v1/entities/${ada}/links`)).json().items as Array<{
      kind: string;
      entity: { id: string; type: string; body: string };
    }>;
    expect(links.find((l) => l.kind === 'about' && l.entity.type === 'note')?.entity).toMatchObject({
      id: step.output!.noteId,
      body: '- Ada left the boat keys at the harbour office [2].',
    });
  });
});
