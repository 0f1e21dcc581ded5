/**
 * Small pieces shared by the NDJSON and JSON-array parsers.
 */

import { MAX_DEPTH } from './limits.js';

/** Marker our own error reports put on records that came from CSV: their values are text. */
export const TEXT_MARKER = '_barge_text';

/** "an array", "a string", "null" ... for messages like `expected a JSON object, got an array`. */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}

/**
 * The reason from a JSON.parse error, without V8's echo of the input
 * (`Unexpected token 'x', "{"a": x}" is not valid JSON` -> `Unexpected token 'x'`).
 * V8's position counts from the start of the text parsed: `column` turns it into a
 * column (right when that text is one whole line, as in NDJSON); without it the
 * position is dropped, the caller's line being all there is to say.
 */
export function shortJsonReason(error: unknown, column?: 'column'): string {
  let message = error instanceof Error ? error.message : String(error);
  const echo = /^(.*?), (?:\.\.\.)?".* is not valid JSON$/s.exec(message);
  if (echo !== null) message = echo[1]!;
  message = message.replace(/ \(line \d+ column \d+\)/, '').replace(' in JSON at position', ' at position');
  message = message.replace(/ at position (\d+)/, (_, position: string) =>
    column === 'column' ? ` at column ${Number(position) + 1}` : '',
  );
  return message.length > 200 ? `${message.slice(0, 200)}...` : message;
}

/** The 0-based position V8 reports in a JSON.parse error, if any. */
export function jsonErrorPosition(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : '';
  const match = / at position (\d+)/.exec(message);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Whether the text of one JSON value may nest deeper than MAX_DEPTH: it needs more
 * than MAX_DEPTH opening brackets, which most lines do not have, so the exact check
 * (after parsing) runs only for the few that do.
 */
export function mayBeTooDeep(text: string, maxDepth = MAX_DEPTH): boolean {
  if (text.length <= 2 * maxDepth) return false;
  let count = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) {
    if (++count > maxDepth) return true;
  }
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) {
    if (++count > maxDepth) return true;
  }
  return false;
}

/** Exact nesting depth check of a parsed value; iterative so it cannot overflow itself. */
export function isTooDeep(value: unknown, maxDepth = MAX_DEPTH): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const current = stack.pop();
    const depth = depths.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
