/**
 * RFC 5545 §3.1 / RFC 6350 §3.3 content lines, shared by vCard and iCalendar: unfolding,
 * `GROUP.NAME;PARAM=a,b:value`, quoted parameter values, folding at 75 octets and text
 * escaping. Self-contained on purpose (the portability module may later own one copy).
 */

export interface ContentLine {
  /** vCard's item grouping (`item1.TEL` and its `item1.X-ABLabel`), as written. */
  group?: string;
  /** Upper-cased property name. */
  name: string;
  /** Upper-cased parameter names → their values (quotes removed). */
  params: Record<string, string[]>;
  /** The raw value, still escaped. */
  value: string;
  /** The line as received (unfolded): what is kept verbatim for properties the hub does not map. */
  raw: string;
}

export class ContentLineError extends Error {}

/** Splits a body into unfolded lines (CRLF or LF; a line starting with space or tab continues the previous). */
export function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] += line.slice(1);
    } else if (line.length > 0) {
      lines.push(line);
    }
  }
  return lines;
}

/** Parses one unfolded line; `lineNumber` names it in errors. */
export function parseLine(raw: string, lineNumber: number): ContentLine {
  let i = 0;
  const nameEnd = () => {
    while (i < raw.length && raw[i] !== ';' && raw[i] !== ':') i += 1;
  };
  nameEnd();
  const fullName = raw.slice(0, i);
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)?$/.test(fullName)) {
    throw new ContentLineError(`line ${lineNumber}: "${raw.slice(0, 40)}" is not a content line`);
  }
  const dot = fullName.indexOf('.');
  const group = dot > 0 ? fullName.slice(0, dot) : undefined;
  const name = (dot > 0 ? fullName.slice(dot + 1) : fullName).toUpperCase();
  const params: Record<string, string[]> = {};
  while (raw[i] === ';') {
    i += 1;
    const start = i;
    while (i < raw.length && raw[i] !== '=' && raw[i] !== ';' && raw[i] !== ':') i += 1;
    const paramName = raw.slice(start, i).toUpperCase();
    const values: string[] = [];
    if (raw[i] === '=') {
      i += 1;
      for (;;) {
        if (raw[i] === '"') {
          const close = raw.indexOf('"', i + 1);
          if (close < 0) throw new ContentLineError(`line ${lineNumber}: unterminated quoted parameter`);
          values.push(raw.slice(i + 1, close));
          i = close + 1;
        } else {
          const begin = i;
          while (i < raw.length && raw[i] !== ',' && raw[i] !== ';' && raw[i] !== ':') i += 1;
          values.push(raw.slice(begin, i));
        }
        if (raw[i] === ',') i += 1;
        else break;
      }
    } else if (paramName !== '') {
      // vCard 2.1 style bare parameter (`TEL;CELL:`): read as a TYPE.
      values.push(paramName);
      (params.TYPE ??= []).push(...values);
      continue;
    }
    (params[paramName] ??= []).push(...values);
  }
  if (raw[i] !== ':') throw new ContentLineError(`line ${lineNumber}: "${fullName}" has no value`);
  return { ...(group ? { group } : {}), name, params, value: raw.slice(i + 1), raw };
}

export interface Component {
  name: string;
  properties: ContentLine[];
  components: Component[];
}

/** Parses BEGIN/END nesting into components; refuses unbalanced ones. */
export function parseComponents(text: string, maxLines = 100_000): Component[] {
  const lines = unfold(text);
  if (lines.length > maxLines) throw new ContentLineError(`more than ${maxLines} lines`);
  const roots: Component[] = [];
  const stack: Component[] = [];
  lines.forEach((raw, index) => {
    const line = parseLine(raw, index + 1);
    if (line.name === 'BEGIN') {
      const component: Component = { name: line.value.toUpperCase(), properties: [], components: [] };
      if (stack.length > 0) stack[stack.length - 1]!.components.push(component);
      else roots.push(component);
      if (stack.length > 20) throw new ContentLineError(`line ${index + 1}: components nested too deep`);
      stack.push(component);
    } else if (line.name === 'END') {
      const open = stack.pop();
      if (!open || open.name !== line.value.toUpperCase()) {
        throw new ContentLineError(`line ${index + 1}: END:${line.value} does not close ${open?.name ?? 'anything'}`);
      }
    } else {
      if (stack.length === 0) throw new ContentLineError(`line ${index + 1}: ${line.name} outside BEGIN/END`);
      stack[stack.length - 1]!.properties.push(line);
    }
  });
  if (stack.length > 0) throw new ContentLineError(`BEGIN:${stack[stack.length - 1]!.name} is never closed`);
  return roots;
}

/** Text value unescaping (`\n`, `\,`, `\;`, `\\`). */
export function unescapeText(value: string): string {
  return value.replace(/\\([nN,;\\])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/,/g, '\\,').replace(/;/g, '\\;');
}

/** Splits a structured value (N, ADR, ORG) on unescaped `;`, each part unescaped. */
export function splitStructured(value: string, separator = ';'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i += 1;
    } else if (c === separator) {
      parts.push(unescapeText(current));
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(unescapeText(current));
  return parts;
}

const needsQuotes = (value: string) => /[;:,"]/.test(value);

/** Renders `NAME;P=v:value` (value already escaped), folded at 75 octets. */
export function line(name: string, value: string, params: Record<string, string | string[] | undefined> = {}): string {
  let text = name;
  for (const [param, given] of Object.entries(params)) {
    if (given === undefined) continue;
    const values = (Array.isArray(given) ? given : [given]).map((v) =>
      needsQuotes(v) ? `"${v.replace(/"/g, "'")}"` : v,
    );
    if (values.length > 0) text += `;${param}=${values.join(',')}`;
  }
  return fold(`${text}:${value}`);
}

/** Folds a line at 75 octets without splitting a UTF-8 sequence. */
export function fold(text: string): string {
  if (Buffer.byteLength(text) <= 75) return text;
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    const limit = out.length === 0 ? 75 : 74;
    if (bytes + size > limit) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

/** Re-folds a line kept verbatim (its raw text is unfolded). */
export const refold = (raw: string) => fold(raw);
