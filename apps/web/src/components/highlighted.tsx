import { Fragment } from 'react';

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
};
const unescape = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39|#x27);/g, (m) => ENTITIES[m] ?? m);

/**
 * Renders a search snippet: HTML-escaped text whose matches are wrapped in <mark>…</mark>.
 * Never uses innerHTML: the text is split into plain strings and <mark> elements.
 */
export function Highlighted({ snippet }: { snippet: string }) {
  const parts = snippet.split(/<mark>(.*?)<\/mark>/g);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <mark key={i} className="rounded-sm bg-primary/20 px-0.5 text-foreground">
            {unescape(part)}
          </mark>
        ) : (
          <Fragment key={i}>{unescape(part.replace(/<\/?mark>/g, ''))}</Fragment>
        ),
      )}
    </>
  );
}
