import {
  aiDoneSchema,
  aiDraftSchema,
  aiSourceSchema,
  aiSummarySchema,
  aiToolReportSchema,
  type AiDone,
  type AiDraft,
  type AiSource,
  type AiSummary,
  type AiToolReport,
} from '@made-open/shared/ai-api';
import { z } from 'zod';

/** The hub's AI chat stream (POST /api/v1/ai/chat), parsed in the browser. No I/O here. */
export type { AiDone, AiSource, AiToolReport };

export type AiStreamEvent =
  | { event: 'conversation'; id: string; title: string }
  | { event: 'source'; source: AiSource }
  | { event: 'tool'; tool: AiToolReport }
  | { event: 'sources'; sources: AiSource[] }
  | { event: 'delta'; text: string }
  | { event: 'citation'; number: number; entityId: string }
  | { event: 'done'; done: AiDone }
  | { event: 'summary'; summary: AiSummary }
  | { event: 'draft'; draft: AiDraft }
  | { event: 'error'; code: string; message: string };

/** Reads a Server-Sent Events body to its end, handing over each event as it completes. */
export async function readSseEvents(body: ReadableStream<BufferSource>, onEvent: (event: AiStreamEvent) => void) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const { events, rest } = takeSseEvents(buffer + value);
    buffer = rest;
    events.forEach(onEvent);
  }
}

/** Splits SSE text into complete events; returns them and what is left over for the next chunk. */
export function takeSseEvents(buffer: string): { events: AiStreamEvent[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: AiStreamEvent[] = [];
  for (const block of blocks) {
    let name = '';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (!name || data.length === 0) continue;
    const json = JSON.parse(data.join('\n')) as Record<string, unknown>;
    if (name === 'conversation') events.push({ event: 'conversation', id: String(json.id), title: String(json.title) });
    else if (name === 'source') events.push({ event: 'source', source: aiSourceSchema.parse(json) });
    else if (name === 'tool') events.push({ event: 'tool', tool: aiToolReportSchema.parse(json) });
    else if (name === 'sources')
      events.push({ event: 'sources', sources: z.array(aiSourceSchema).parse(json.sources) });
    else if (name === 'delta') events.push({ event: 'delta', text: String(json.text ?? '') });
    else if (name === 'citation')
      events.push({ event: 'citation', number: Number(json.number), entityId: String(json.entityId) });
    else if (name === 'done') events.push({ event: 'done', done: aiDoneSchema.parse(json) });
    else if (name === 'summary') events.push({ event: 'summary', summary: aiSummarySchema.parse(json) });
    else if (name === 'draft') events.push({ event: 'draft', draft: aiDraftSchema.parse(json) });
    else if (name === 'error') events.push({ event: 'error', code: String(json.code), message: String(json.message) });
  }
  return { events, rest };
}

/** Where a cited entity opens: its own page where the web app has one, else its section. */
export function entityHref(source: Pick<AiSource, 'entityId' | 'type'>): string {
  switch (source.type) {
    case 'person':
      return `/contacts/${source.entityId}`;
    case 'note':
      return `/notes/${source.entityId}`;
    case 'message':
      return '/messages';
    case 'call':
      return '/calls';
    default:
      return `/contacts/${source.entityId}`;
  }
}

/** The answer split into text and [n] citation markers (only numbers that are sources). */
export function answerParts(text: string, known: ReadonlySet<number>): Array<string | number> {
  const parts: Array<string | number> = [];
  let at = 0;
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    const n = Number(match[1]);
    if (!known.has(n)) continue;
    if (match.index > at) parts.push(text.slice(at, match.index));
    parts.push(n);
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

const kindWords: Record<string, [one: string, many: string]> = {
  email: ['email address', 'email addresses'],
  phone: ['phone number', 'phone numbers'],
  card: ['card number', 'card numbers'],
  iban: ['IBAN', 'IBANs'],
  address: ['street address', 'street addresses'],
};

/** "2 email addresses and 1 card number", or '' when nothing was redacted. */
export function redactedWords(redacted: Record<string, number>): string {
  const items = Object.entries(redacted)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kindWords[kind]?.[n === 1 ? 0 : 1] ?? kind}`);
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** One question and its answer, as the chat shows it (streamed now, or read back from a stored conversation). */
export interface AiTurn {
  id: number;
  question: string;
  sources: AiSource[];
  tools: AiToolReport[];
  answer: string;
  status: 'streaming' | 'done' | 'stopped' | 'error';
  done?: AiDone;
  error?: string;
}

interface StoredTurnMessage {
  role: 'user' | 'assistant';
  content: string;
  sources: AiSource[];
  tools: AiToolReport[];
  done: AiDone | null;
  error: { code: string; message: string } | null;
}

/** A stored conversation's messages as turns (a question, then its answer). */
export function turnsOf(messages: readonly StoredTurnMessage[]): AiTurn[] {
  const turns: AiTurn[] = [];
  for (const message of messages) {
    if (message.role === 'user') {
      turns.push({
        id: turns.length + 1,
        question: message.content,
        sources: [],
        tools: [],
        answer: '',
        status: 'done',
      });
      continue;
    }
    const turn = turns.at(-1);
    if (!turn) continue;
    turn.sources = message.sources;
    turn.tools = message.tools;
    turn.answer = message.content;
    if (message.done) turn.done = message.done;
    if (message.error?.code === 'cancelled') turn.status = 'stopped';
    else if (message.error) {
      turn.status = 'error';
      turn.error = message.error.message;
    }
  }
  return turns;
}

/** One line per tool call: what the assistant did, in words. */
export function toolWords(tool: AiToolReport, titleOf: (id: string) => string | undefined): string {
  if (tool.outcome === 'denied') return `Not allowed to ${tool.name === 'search_graph' ? 'search' : 'read'} your data`;
  if (tool.outcome !== 'ok' && tool.outcome !== 'proposed') return `A ${tool.name.replace('_', ' ')} did not work`;
  if (tool.name === 'search_graph') return `Searched your data (${tool.entityIds.length} found)`;
  if (tool.name === 'read_entity') {
    const title = titleOf(tool.entityIds[0] ?? '') || 'an item';
    if (tool.privacy === 'withheld') return `Read “${title}”: withheld from the cloud model (sensitive)`;
    if (tool.privacy === 'local') return `Read “${title}”: sensitive, so your local model read it and answered`;
    return `Read “${title}”`;
  }
  if (!tool.proposal) return 'Proposed a message for you to send';
  const files = tool.proposal.attachments?.length ?? 0;
  const what = tool.proposal.channel === 'email' ? 'an email' : 'a text';
  return `Proposed ${what}${files ? ` with ${files === 1 ? '1 file' : `${files} files`}` : ''} for you to send`;
}
