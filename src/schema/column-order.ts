import type { ColumnSpec, SchemaSpec } from './types.js';

// A JavaScript object lists the keys that are whole numbers ("2019", "0") first, in numeric
// order, whatever the order they were added in: a header `country,2019,2020` made the table
// ("2019", "2020", "country"), and `schema infer` and the error report's columns followed.
// SchemaSpec.columnOrder keeps the order of the header, the schema file's text or the table;
// it is set only where such a name makes the object's order wrong.

/** Whether `name` is a key an object lists before the others (an array index: 0 … 2^32 − 2). */
function isIndexKey(name: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(name) && Number(name) < 2 ** 32 - 1;
}

/** `spec` with its columns in `names`' order, when their object cannot keep that order by itself. */
export function withColumnOrder<T extends SchemaSpec>(spec: T, names: readonly string[]): T {
  if (!names.some(isIndexKey)) return spec;
  const order = new Set(names.filter((name) => Object.prototype.hasOwnProperty.call(spec.columns, name)));
  // Any the order does not name keep their place after it.
  for (const name of Object.keys(spec.columns)) order.add(name);
  return { ...spec, columnOrder: [...order] };
}

/** The column names in the order of the header, the schema file or the table. */
export function columnNames(spec: Pick<SchemaSpec, 'columns' | 'columnOrder'>): string[] {
  const { columnOrder } = spec;
  if (columnOrder === undefined) return Object.keys(spec.columns);
  // A copy that added or removed a column since keeps the object's own word for those.
  const known = Object.keys(spec.columns);
  if (columnOrder.length !== known.length || !known.every((name) => columnOrder.includes(name))) return known;
  return [...columnOrder];
}

/** [name, spec] of each column, in columnNames' order. */
export function columnEntries(spec: Pick<SchemaSpec, 'columns' | 'columnOrder'>): Array<[string, ColumnSpec]> {
  return columnNames(spec).map((name) => [name, spec.columns[name] as ColumnSpec]);
}

/**
 * The schema as a schema file's JSON (JSON.stringify, `indent` spaces), its columns in
 * columnNames' order (JSON.stringify writes an object's keys in the object's order).
 */
export function schemaJson(spec: SchemaSpec, indent: number): string {
  const marker = '\u0000columns\u0000';
  // The spec's own keys in its order ("table", "columns", …), the columns a placeholder.
  const plain = Object.fromEntries(Object.entries(spec).filter(([key]) => key !== 'columnOrder').map(([key, value]) => [key, key === 'columns' ? marker : value]));
  const text = JSON.stringify(plain, null, indent);
  const pad = ' '.repeat(indent);
  const entries = columnEntries(spec).map(([name, column]) => {
    const value = JSON.stringify(column, null, indent).replaceAll('\n', `\n${pad}${pad}`);
    return indent === 0 ? `${JSON.stringify(name)}:${value}` : `${pad}${pad}${JSON.stringify(name)}: ${value}`;
  });
  const object = entries.length === 0 ? '{}' : indent === 0 ? `{${entries.join(',')}}` : `{\n${entries.join(',\n')}\n${pad}}`;
  return text.replace(JSON.stringify(marker), () => object);
}

/**
 * The keys of the top-level object's "columns" object in `text` (JSON that parsed), in the
 * text's order; undefined when there is none.
 */
export function columnKeysInText(text: string): string[] | undefined {
  return keysInText(text, 'columns');
}

/**
 * The keys of the JSON object `text` (that parsed), in the text's order: a record's fields as
 * its line has them. undefined when it is not an object.
 */
export function recordKeysInText(text: string): string[] | undefined {
  return keysInText(text, undefined);
}

/** The keys of the top-level object of `text`, or of its `member` object, in the text's order. */
function keysInText(text: string, member: string | undefined): string[] | undefined {
  let depth = 0;
  let at = 0;
  // The depth whose keys are collected: the top level's (1), or the member's object's (2) once reached.
  let collecting = member === undefined ? 1 : -1;
  const keys: string[] = [];
  while (at < text.length) {
    const char = text[at]!;
    if (char === '"') {
      const end = stringEnd(text, at);
      let next = end;
      while (next < text.length && /\s/.test(text[next]!)) next++;
      if (text[next] === ':') {
        const key = JSON.parse(text.slice(at, end)) as string;
        if (depth === collecting) keys.push(key);
        else if (member !== undefined && collecting === -1 && depth === 1 && key === member) {
          next++;
          while (next < text.length && /\s/.test(text[next]!)) next++;
          if (text[next] !== '{') return undefined;
          collecting = 2;
          depth = 2;
          at = next + 1;
          continue;
        }
      }
      at = end;
      continue;
    }
    if (char === '{' || char === '[') {
      if (depth === 0 && char === '[') return undefined;
      depth++;
    } else if (char === '}' || char === ']') {
      if (depth === collecting) return keys;
      depth--;
    }
    at++;
  }
  return undefined;
}

/** The index just past the JSON string starting at `start` (its opening quote). */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  while (at < text.length) {
    const char = text[at];
    if (char === '\\') at += 2;
    else if (char === '"') return at + 1;
    else at++;
  }
  return at;
}
