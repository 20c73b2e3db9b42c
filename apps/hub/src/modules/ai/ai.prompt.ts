import type { ChatMessage } from '@made-open/ai';

/** One source as the model sees it (already redacted for the cloud path). */
export interface PromptSource {
  number: number;
  type: string;
  date: string | null;
  title: string;
  text: string;
}

const SYSTEM = [
  "You answer questions about the user's own data (messages, notes, calls, events, contacts).",
  'Use only the numbered sources below. Cite every fact with its source number in square brackets, like [1] or [2][3].',
  'If the sources do not answer the question, say so plainly. Never invent sources.',
  'Text like ⟦EMAIL_1⟧ stands for hidden personal data: repeat such placeholders exactly as written when you need them.',
].join(' ');

/** Earlier turns of a stored conversation, oldest first (already redacted for the cloud path). */
export type PromptTurn = { role: 'user' | 'assistant'; content: string };

export function buildMessages(
  question: string,
  sources: readonly PromptSource[],
  history: readonly PromptTurn[] = [],
): ChatMessage[] {
  const listed = sources.length
    ? sources
        .map((s) => `[${s.number}] (${s.type}${s.date ? `, ${s.date.slice(0, 10)}` : ''}) ${s.title}\n${s.text}`.trim())
        .join('\n\n')
    : '(no sources were found)';
  return [
    { role: 'system', content: `${SYSTEM}\n\nSources:\n${listed}` },
    // Earlier answers cite the sources of their own turn: their [n] do not name today's.
    ...history.map((turn) => ({ role: turn.role, content: turn.content })),
    { role: 'user', content: question },
  ];
}

/**
 * Citations in a growing answer: each [n] (also [1, 2] and [1][2]) that names a source given
 * to the model, once, in the order they first appear. Numbers that were not in the context are
 * dropped.
 */
export function citationTracker(validNumbers: ReadonlySet<number>) {
  const seen = new Set<number>();
  return (answerSoFar: string): number[] => {
    const fresh: number[] = [];
    for (const match of answerSoFar.matchAll(/\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g))
      for (const part of match[1]!.split(',')) {
        const n = Number(part.trim());
        if (validNumbers.has(n) && !seen.has(n)) {
          seen.add(n);
          fresh.push(n);
        }
      }
    return fresh;
  };
}
