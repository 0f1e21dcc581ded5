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

/**
 * Whether valid JSON text nests deeper than `maxDepth`, counted on the text as the JSON array
 * reader counts an element's depth (parse-json-array.ts): a value that a later duplicate key
 * replaces (`{"a":[[…]],"a":1}`) counts, though JSON.parse drops it, so an NDJSON line and the
 * same record in a JSON array get the same verdict. Brackets inside strings do not count.
 * Only for text mayBeTooDeep lets through: a line with few brackets never gets here.
 */
export function nestsDeeperThan(text: string, maxDepth = MAX_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x22) {
      i = closingQuote(text, i);
    }
  }
  return false;
}

/** The index of the quote that closes the JSON string opening at `at` (the first one not escaped). */
export function closingQuote(text: string, at: number): number {
  for (let q = text.indexOf('"', at + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return text.length;
}

/**
 * The message of a record nested deeper than MAX_DEPTH levels (too_deep): which of its fields, when
 * one of them nests that deep (a duplicate key may have dropped it), and what to do.
 */
export function tooDeepMessage(data: unknown): string {
  let field: string | undefined;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const [key, value] of Object.entries(data)) {
      // The record is the first level: a field nesting MAX_DEPTH more takes it past the limit.
      if (depthAtLeast(value, MAX_DEPTH)) {
        field = key;
        break;
      }
    }
  }
  const where = field === undefined ? '' : ` (field ${JSON.stringify(field)})`;
  return `nested deeper than ${MAX_DEPTH} levels${where}; barge reads at most ${MAX_DEPTH}: flatten the value, or give it as a JSON string`;
}

/** Whether `value` nests at least `levels` levels of objects and arrays (`{}` is one); iterative, for any depth. */
function depthAtLeast(value: unknown, levels: number): boolean {
  let frontier: object[] = isContainer(value) ? [value] : [];
  for (let depth = 1; frontier.length > 0; depth++) {
    if (depth >= levels) return true;
    const next: object[] = [];
    for (const item of frontier) {
      for (const child of Array.isArray(item) ? item : Object.values(item)) if (isContainer(child)) next.push(child);
    }
    frontier = next;
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}
