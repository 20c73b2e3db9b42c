import { fold, parseContentLine, renderParams, type Property } from './content-line.ts';
import { unfoldText } from './lines.ts';

/**
 * vCard / iCalendar objects read whole, for CardDAV and CalDAV: BEGIN/END nesting into
 * components, each property keeping the text it came as, so what the hub does not map can be
 * written back exactly as the client sent it (a phone's card survives a round trip).
 */

/** A property as received: parsed, and its unfolded line kept to write back verbatim. */
export interface KeptProperty extends Property {
  /** The line as received (unfolded). */
  raw: string;
}

export interface Component {
  /** Upper-cased (VCARD, VCALENDAR, VEVENT, VALARM ...). */
  name: string;
  properties: KeptProperty[];
  components: Component[];
}

/** A body that is not well-formed; the message names the (unfolded) line. */
export class ComponentError extends Error {}

const NAME = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)?$/;

/** Why `parseContentLine` refused a line, in words. */
function problemOf(text: string): string {
  const name = /^[^;:]*/.exec(text)![0];
  if (!NAME.test(name)) return `"${text.slice(0, 40)}" is not a content line`;
  const head = text.slice(0, text.indexOf(':') === -1 ? text.length : text.indexOf(':'));
  if ((head.split('"').length - 1) % 2 === 1) return 'unterminated quoted parameter';
  return `"${name}" has no value`;
}

/** One unfolded line as a kept property; throws ComponentError naming `lineNumber`. */
export function parseKeptLine(text: string, lineNumber: number): KeptProperty {
  const property = parseContentLine(text);
  if (!property) throw new ComponentError(`line ${lineNumber}: ${problemOf(text)}`);
  return { ...property, raw: text };
}

/** Parses a body's BEGIN/END nesting into components; refuses unbalanced ones and bad lines. */
export function parseComponents(text: string, maxLines = 100_000): Component[] {
  const lines = unfoldText(text);
  if (lines.length > maxLines) throw new ComponentError(`more than ${maxLines} lines`);
  const roots: Component[] = [];
  const stack: Component[] = [];
  lines.forEach((cl, index) => {
    const at = index + 1;
    const property = parseKeptLine(cl.text, at);
    if (property.name === 'BEGIN') {
      const component: Component = { name: property.value.toUpperCase(), properties: [], components: [] };
      if (stack.length > 0) stack[stack.length - 1]!.components.push(component);
      else roots.push(component);
      if (stack.length > 20) throw new ComponentError(`line ${at}: components nested too deep`);
      stack.push(component);
    } else if (property.name === 'END') {
      const open = stack.pop();
      if (!open || open.name !== property.value.toUpperCase()) {
        throw new ComponentError(`line ${at}: END:${property.value} does not close ${open?.name ?? 'anything'}`);
      }
    } else {
      if (stack.length === 0) throw new ComponentError(`line ${at}: ${property.name} outside BEGIN/END`);
      stack[stack.length - 1]!.properties.push(property);
    }
  });
  if (stack.length > 0) throw new ComponentError(`BEGIN:${stack[stack.length - 1]!.name} is never closed`);
  return roots;
}

/** A component's lines as received (unfolded), nested components included. */
export function componentLines(component: Component): string[] {
  return [
    `BEGIN:${component.name}`,
    ...component.properties.map((p) => p.raw),
    ...component.components.flatMap(componentLines),
    `END:${component.name}`,
  ];
}

/** Kept lines (unfolded, one per `\n`) back as properties, to find and re-write them. */
export function parseKeptLines(text: string): KeptProperty[] {
  return unfoldText(text).map((cl, index) => parseKeptLine(cl.text, index + 1));
}

/**
 * `NAME;P=v:value` (value already escaped), folded at 75 octets. Parameters that are undefined
 * or empty are left out; values with `:;,"` are quoted.
 */
export function contentLine(name: string, value: string, params: Record<string, string | undefined> = {}): string {
  return fold(`${name}${renderParams(params)}:${value}`);
}
