/**
 * One vCard / iCalendar content line (RFC 6350 §3.3, RFC 5545 §3.1):
 * `[group.]NAME *(;PARAM=value[,value]) : value`. Names are upper-cased; parameter
 * values keep their case, quotes removed.
 */
export interface Property {
  group: string | null;
  name: string;
  params: Record<string, string[]>;
  value: string;
}

const NAME = /^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)/;

export function parseContentLine(text: string): Property | null {
  const head = NAME.exec(text);
  if (!head) return null;
  const params: Record<string, string[]> = {};
  let i = head[0].length;
  while (text[i] === ';') {
    i += 1;
    const eq = text.indexOf('=', i);
    const nextSemi = text.indexOf(';', i);
    const nextColon = text.indexOf(':', i);
    // vCard 2.1 bare parameters (`TEL;CELL:`) are TYPE values.
    if (eq === -1 || (nextColon !== -1 && eq > nextColon) || (nextSemi !== -1 && eq > nextSemi)) {
      const end = [nextSemi, nextColon].filter((n) => n !== -1).sort((a, b) => a - b)[0];
      if (end === undefined) return null;
      (params.TYPE ??= []).push(text.slice(i, end).toLowerCase());
      i = end;
      continue;
    }
    const pname = text.slice(i, eq).toUpperCase();
    i = eq + 1;
    const values: string[] = [];
    for (;;) {
      if (text[i] === '"') {
        const close = text.indexOf('"', i + 1);
        if (close === -1) return null;
        values.push(text.slice(i + 1, close));
        i = close + 1;
      } else {
        let j = i;
        while (j < text.length && text[j] !== ',' && text[j] !== ';' && text[j] !== ':') j += 1;
        values.push(text.slice(i, j));
        i = j;
      }
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      break;
    }
    (params[pname] ??= []).push(...values);
  }
  if (text[i] !== ':') return null;
  return { group: head[1] ?? null, name: head[2]!.toUpperCase(), params, value: text.slice(i + 1) };
}

/** TEXT values: `\n`, `\,`, `\;`, `\\` unescaped. */
export function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\:])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

/** Splits a structured value on unescaped `sep`, each part unescaped. */
export function splitStructured(value: string, sep = ';'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i += 1;
    } else if (c === sep) {
      parts.push(unescapeText(current));
      current = '';
    } else current += c;
  }
  parts.push(unescapeText(current));
  return parts;
}

/** Folds a content line at 75 octets (RFC 6350 §3.2), never inside a UTF-8 sequence. */
export function fold(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74;
    if (bytes + size > limit) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function renderParams(params: Record<string, string | undefined>): string {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `;${k}=${/[:;,"]/.test(v!) ? `"${v!.replace(/"/g, "'")}"` : v}`)
    .join('');
}
