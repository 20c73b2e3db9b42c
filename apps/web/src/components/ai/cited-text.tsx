import Link from 'next/link';
import { answerParts, entityHref, type AiSource } from '@/lib/ai';

/** AI text with its [n] citations as links to the sources they name (unknown numbers stay text). */
export function CitedText({ text, sources }: { text: string; sources: readonly AiSource[] }) {
  const byNumber = new Map(sources.map((s) => [s.number, s]));
  return (
    <p className="text-sm leading-relaxed whitespace-pre-wrap">
      {answerParts(text, new Set(byNumber.keys())).map((part, i) => {
        if (typeof part === 'string') return <span key={i}>{part}</span>;
        const source = byNumber.get(part)!;
        return (
          <Link
            key={i}
            href={entityHref(source)}
            className="mx-0.5 inline-flex min-w-5 items-center justify-center rounded bg-primary/10 px-1 align-super text-xs font-medium text-primary hover:bg-primary/20"
            aria-label={`Source ${part}: ${source.title || source.type}`}
          >
            {part}
          </Link>
        );
      })}
    </p>
  );
}
