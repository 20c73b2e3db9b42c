import { parseDocument, stringify } from 'yaml';

/**
 * The rule as text, YAML or JSON, both ways: the text view edits the same definition the
 * builder does. Syntax errors carry a line and column a person can go to.
 */
export type TextFormat = 'yaml' | 'json';

export function ruleToText(definition: unknown, format: TextFormat): string {
  return format === 'json' ? `${JSON.stringify(definition, null, 2)}\n` : stringify(definition, { lineWidth: 0 });
}

export type ParsedText =
  { ok: true; value: Record<string, unknown> } | { ok: false; message: string; line?: number; column?: number };

function position(text: string, offset: number) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

export function parseRuleText(text: string, format: TextFormat): ParsedText {
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const offset = /position (\d+)/.exec(message);
      return { ok: false, message, ...(offset ? position(text, Number(offset[1])) : {}) };
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      return {
        ok: false,
        message: error.message.split('\n')[0]!,
        ...(at ? { line: at.line, column: at.col } : position(text, error.pos[0])),
      };
    }
    value = doc.toJS();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, message: 'A rule is an object with name, triggers and steps.' };
  return { ok: true, value: value as Record<string, unknown> };
}
