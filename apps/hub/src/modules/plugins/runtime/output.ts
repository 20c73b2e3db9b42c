import { PluginInvocationError } from './errors.ts';

/** Limits on what a run returns, checked by the host on the copied text. */
export const maxResultChars = 1_000_000;
export const maxResultDepth = 64;

/**
 * How deeply the JSON text nests, by one pass over the characters: no recursion, so a
 * result nested 400,000 levels deep costs a scan, not a stack overflow. Stops counting
 * past `limit`.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

/** Refuses result text over the size or depth limit (a run error, never a host failure). */
export function checkResultText(text: unknown): string {
  if (typeof text !== 'string')
    throw new PluginInvocationError('error', 'The plugin returned something that is not JSON.');
  if (text.length > maxResultChars)
    throw new PluginInvocationError('error', `The plugin returned more than ${maxResultChars} characters.`);
  if (jsonDepth(text, maxResultDepth) > maxResultDepth)
    throw new PluginInvocationError(
      'error',
      `The plugin returned a value nested deeper than ${maxResultDepth} levels.`,
    );
  return text;
}

/** The run's result from its JSON text, after the checks above. */
export function readResult(text: unknown): unknown {
  const checked = checkResultText(text);
  try {
    return JSON.parse(checked) as unknown;
  } catch {
    throw new PluginInvocationError('error', 'The plugin returned something that is not JSON.');
  }
}
