import type { Readable } from 'node:stream';

/** One physical line of a text file, 1-based, without its line ending. */
export interface Line {
  text: string;
  line: number;
  /** Set when the line was longer than the limit: `text` is empty and the rest was skipped. */
  tooLong?: boolean;
}

/**
 * Splits a byte stream into lines without holding more than one line (capped at
 * `maxLineBytes`) in memory: a 50,000-contact file is read chunk by chunk. A line over the
 * cap is reported as `tooLong` and skipped, so a hostile file cannot grow the buffer.
 */
export async function* readLines(input: AsyncIterable<Buffer | string> | Readable, maxLineBytes: number) {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 1;
  let skipping = false;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      const end = nl === -1 ? buf.length : nl;
      if (!skipping) {
        if (size + (end - start) > maxLineBytes) {
          skipping = true;
          parts = [];
          size = 0;
        } else if (end > start) {
          parts.push(buf.subarray(start, end));
          size += end - start;
        }
      }
      if (nl === -1) break;
      yield finish(parts, line, skipping);
      parts = [];
      size = 0;
      skipping = false;
      line += 1;
      start = nl + 1;
    }
  }
  if (skipping || size > 0) yield finish(parts, line, skipping);
}

function finish(parts: Buffer[], line: number, tooLong: boolean): Line {
  if (tooLong) return { text: '', line, tooLong: true };
  let text = Buffer.concat(parts).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return { text, line };
}

/** Content lines of vCard and iCalendar (RFC 6350 §3.2, RFC 5545 §3.1): folded lines joined. */
export interface ContentLine {
  text: string;
  /** The line the content line starts on. */
  line: number;
  tooLong?: boolean;
}

/** Unfolds lines that begin with a space or tab onto the one before, keeping the start line number. */
export async function* unfold(lines: AsyncIterable<Line>, maxBytes: number): AsyncGenerator<ContentLine> {
  let current: ContentLine | null = null;
  for await (const l of lines) {
    if (l.tooLong) {
      if (current) yield current;
      current = null;
      yield { text: '', line: l.line, tooLong: true };
      continue;
    }
    if (current && !current.tooLong && (l.text.startsWith(' ') || l.text.startsWith('\t'))) {
      if (current.text.length + l.text.length > maxBytes) current = { text: '', line: current.line, tooLong: true };
      else current.text += l.text.slice(1);
      continue;
    }
    if (current) yield current;
    current = l.text === '' ? null : { text: l.text, line: l.line };
  }
  if (current) yield current;
}

/** Synchronous unfolding of a whole (small) text: the form CardDAV and CalDAV bodies come in. */
export function unfoldText(text: string): ContentLine[] {
  const out: ContentLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const last = out[out.length - 1];
    if (last && (raw.startsWith(' ') || raw.startsWith('\t'))) last.text += raw.slice(1);
    else if (raw !== '') out.push({ text: raw, line: index + 1 });
  });
  return out;
}
