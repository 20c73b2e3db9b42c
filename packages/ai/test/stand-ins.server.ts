import { startOllamaStandIn } from './ollama.stand-in.ts';
import { startOpenRouterStandIn } from './openrouter.stand-in.ts';

/**
 * Test support for the web e2e run (apps/web/e2e/run.mjs): the OpenRouter and Ollama STAND-INS
 * in a process of their own. Prints one JSON line {openrouter, ollama} with their base URLs
 * (the hub's OPENROUTER_URL and OLLAMA_URL), then serves until killed.
 *
 * Answers: they cite source 1 and repeat the first line of that source; a question containing
 * "long story" (or a summary of a person so named) gets a long answer (a few seconds of streaming, for the Stop button); a request
 * to draft a reply gets a short reply text. Tool calls: "text the gardener" proposes a send;
 * "look it up" searches and reads a message; "email the planting plan" finds a file and
 * proposes an email attaching it.
 */
type Body = { messages: Array<{ role: string; content: string }> };

function answer(where: string) {
  return (body: Body) => {
    const question = body.messages.at(-1)?.content ?? '';
    const system = body.messages[0]?.content ?? '';
    // "Draft a reply" (apps/hub modules/ai/ai.drafts.ts): a reply's text, nothing else.
    if (system.startsWith('You draft a reply')) return `${where}: Saturday at ten works for me, see you at the pier.`;
    const first = /\[1\] \([^)]*\) ([^\n]*)/.exec(system)?.[1];
    // A question, or a contact summary of a person, with "long story" in it.
    if (/long story/i.test(question) || /long story/i.test(first ?? ''))
      return `${where}: ${'and then it went on '.repeat(600)}[1]`;
    return first ? `${where}: this is about "${first}" [1].` : `${where}: your data says nothing about that.`;
  };
}

const openrouter = await startOpenRouterStandIn();
openrouter.reply = answer('From the cloud stand-in');
// A long answer streams for about a minute, so a loaded machine cannot finish it before Stop.
openrouter.paceMs = 30;
// "text the gardener": the model proposes a send (the hub shows it; the user confirms or dismisses).
// "look it up": the model searches, then reads the first message it found (sensitive:
// the hub hands the rest of the answer to the local model).
openrouter.toolCalls = (body) => {
  const question = body.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  const results = body.messages.filter((m) => m.role === 'tool');
  if (/look it up/i.test(question)) {
    if (results.length === 0) return [{ name: 'search_graph', arguments: { query: 'pier' } }];
    const { hits } = JSON.parse(results[0]!.content ?? '{}') as { hits: Array<{ id: string; type: string }> };
    const message = hits.find((h) => h.type === 'message');
    return results.length === 1 && message ? [{ name: 'read_entity', arguments: { id: message.id } }] : undefined;
  }
  // "email the planting plan": the model finds the file, then proposes an email that attaches it.
  if (/email the planting plan/i.test(question)) {
    if (results.length === 0) return [{ name: 'search_graph', arguments: { query: 'planting plan', types: ['file'] } }];
    if (results.length > 1) return undefined;
    const { hits } = JSON.parse(results[0]!.content ?? '{}') as { hits: Array<{ id: string }> };
    const attachments = hits.slice(0, 1).map((h) => h.id);
    return [
      {
        name: 'propose_send',
        arguments: {
          to: 'gardener@example.org',
          channel: 'email',
          subject: 'Planting plan',
          body: 'Here is the planting plan for the tulips.',
          attachments,
        },
      },
    ];
  }
  if (!/text the gardener/i.test(question) || results.length > 0) return undefined;
  return [
    { name: 'propose_send', arguments: { to: '+14155550123', body: 'The tulips go in next week.', channel: 'sms' } },
  ];
};
const ollama = await startOllamaStandIn();
ollama.reply = answer('From the local stand-in');
ollama.paceMs = 30;
process.stdout.write(`${JSON.stringify({ openrouter: openrouter.url, ollama: ollama.url })}\n`);

const stop = () => void Promise.all([openrouter.close(), ollama.close()]).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
