import { BargeError } from '../errors.js';
import { shellWord } from '../shell-word.js';

/**
 * Another kind of file given as --schema, told by a cheap look at its text: a data file (the
 * input itself, given twice), SQL (a CREATE TABLE), or a JSON Schema. They said "not valid JSON
 * … put text in double quotes", or listed a JSON Schema's keys as unknown "(and 2 more
 * problems)", which says nothing of what to do. A barge schema that is merely malformed keeps
 * its own messages (schema-file.ts).
 */

/** A file whose text is not JSON: data, SQL, or undefined (it is meant to be JSON: say where it is not). */
export function notJsonSchemaFile(path: string, text: string): BargeError | undefined {
  const head = text.slice(0, 4096);
  if (/\bcreate\s+(?:(?:temp|temporary|virtual)\s+)?table\b/i.test(head)) {
    return new BargeError('schema', `schema "${path}" is SQL; barge reads a JSON schema (see README "Schema"), or create the table first and import without --schema`);
  }
  return looksLikeData(head) ? dataFile(path) : undefined;
}

/** A file whose text is JSON but not a barge schema by its shape: a JSON Schema, or a JSON array of records. */
export function notBargeSchemaJson(path: string, json: unknown): BargeError | undefined {
  if (Array.isArray(json) && json.length > 0 && json.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
    return dataFile(path);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const object = json as Record<string, unknown>;
  // A barge schema never has these; draft-07's `{"type": "object", "properties": …}` without
  // "$schema" is a JSON Schema too.
  const jsonSchema = '$schema' in object || (object.type === 'object' && typeof object.properties === 'object' && object.properties !== null);
  if (!jsonSchema || 'columns' in object) return undefined;
  return new BargeError('schema', `schema "${path}" is a JSON Schema; barge's schema format is {"table": …, "columns": {…}} (README "Schema"; barge schema infer writes one)`);
}

function dataFile(path: string): BargeError {
  return new BargeError('schema', `schema "${path}" looks like a data file, not a barge schema: pass it as the input (barge schema infer ${shellWord(path)} writes a schema for it)`);
}

/**
 * Text that starts as CSV, TSV or NDJSON does: two lines or more, the first a JSON object with
 * no "columns" (NDJSON, the whole not one JSON value), a bare name (a one-column header), or
 * holding a comma or a tab and no brace (a header).
 */
function looksLikeData(head: string): boolean {
  const lines = head.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;
  const first = lines[0]!.trim();
  if (first.startsWith('{')) {
    try {
      const record: unknown = JSON.parse(first);
      return typeof record === 'object' && record !== null && !Array.isArray(record) && !('columns' in record);
    } catch {
      return false;
    }
  }
  // A one-column header: a bare name, not a JSON literal.
  if (/^[A-Za-z_][\w ]*$/.test(first)) return !['true', 'false', 'null'].includes(first);
  // Not a JSON object's line that lost its brace (`"table": "t",`).
  return /[,\t]/.test(first) && !/[{}[\]]|"\s*:/.test(first);
}
