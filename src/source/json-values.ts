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
