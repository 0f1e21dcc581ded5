import { describe, expect, it } from 'vitest';
import { columnEntries, columnKeysInText, columnNames, recordKeysInText, schemaJson, withColumnOrder } from '../../src/schema/column-order.js';
import type { SchemaSpec } from '../../src/schema/types.js';

// An object lists keys that are whole numbers first: {"country", "2019"} is {"2019", "country"}.

const spec = (names: string[]): SchemaSpec => ({ table: 't', columns: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])) });

describe('column order where a name is a whole number', () => {
  it('withColumnOrder keeps the given order only where the object cannot', () => {
    expect(Object.keys(spec(['country', '2019']).columns)).toEqual(['2019', 'country']);
    expect(columnNames(withColumnOrder(spec(['country', '2019', '0', 'name']), ['country', '2019', '0', 'name']))).toEqual(['country', '2019', '0', 'name']);
    // No whole-number name: the spec as it was, no columnOrder.
    expect(withColumnOrder(spec(['b', 'a']), ['b', 'a'])).not.toHaveProperty('columnOrder');
    // "2019.5", "-1", "01" and 2^32 - 1 are ordinary keys, in the object's own order.
    expect(withColumnOrder(spec(['x', '01', '-1', '2019.5', '4294967295']), ['x', '01', '-1', '2019.5', '4294967295'])).not.toHaveProperty('columnOrder');
    expect(withColumnOrder(spec(['x', '4294967294']), ['x', '4294967294']).columnOrder).toEqual(['x', '4294967294']);
  });

  it('names the order leaves out follow it; names it has twice or that are no column are dropped', () => {
    expect(withColumnOrder(spec(['country', '2019', 'name']), ['name', '2019', 'name', 'gone']).columnOrder).toEqual(['name', '2019', 'country']);
  });

  it('a copy that added a column since falls back to the object\'s order, never losing one', () => {
    const ordered = withColumnOrder(spec(['country', '2019']), ['country', '2019']);
    const copy = { ...ordered, columns: { ...ordered.columns, extra: { type: 'integer' as const } } };
    expect(columnNames(copy)).toEqual(['2019', 'country', 'extra']);
    expect(columnEntries(ordered)).toEqual([['country', { type: 'string' }], ['2019', { type: 'string' }]]);
  });

  it('schemaJson writes the columns in order, the other keys as JSON.stringify does, never columnOrder', () => {
    const ordered = withColumnOrder({ ...spec(['country', '2019']), primaryKey: ['country'], extraColumns: 'reject' }, ['country', '2019']);
    const text = schemaJson(ordered, 2);
    expect(text).toBe('{\n  "table": "t",\n  "columns": {\n    "country": {\n      "type": "string"\n    },\n    "2019": {\n      "type": "string"\n    }\n  },\n  "primaryKey": [\n    "country"\n  ],\n  "extraColumns": "reject"\n}');
    expect(JSON.parse(text)).toEqual({ table: 't', columns: { country: { type: 'string' }, 2019: { type: 'string' } }, primaryKey: ['country'], extraColumns: 'reject' });
    expect(schemaJson(ordered, 0)).toBe('{"table":"t","columns":{"country":{"type":"string"},"2019":{"type":"string"}},"primaryKey":["country"],"extraColumns":"reject"}');
    // Without a whole-number name, exactly JSON.stringify's text.
    const plain = { ...spec(['b', 'a']), extraColumns: 'ignore' as const };
    expect(schemaJson(plain, 2)).toBe(JSON.stringify(plain, null, 2));
    expect(schemaJson({ table: 't', columns: {} }, 2)).toBe(JSON.stringify({ table: 't', columns: {} }, null, 2));
  });

  it('columnKeysInText reads the columns object\'s keys in the text\'s order, past nested values and escapes', () => {
    const text = '{"table":"t","indexes":[["x"]],"columns":{ "c\\"1" : {"type":"string","enum":["{","}"]}, "2019":{"type":"integer","default":{"a":1}},\n"0":{}},"unique":[["0"]]}';
    expect(columnKeysInText(text)).toEqual(['c"1', '2019', '0']);
    // A "columns" key nested deeper is not the schema's.
    expect(columnKeysInText('{"table":"t","x":{"columns":{"9":1}},"columns":{"b":{},"1":{}}}')).toEqual(['b', '1']);
    expect(columnKeysInText('{"table":"t","columns":[]}')).toBeUndefined();
    expect(columnKeysInText('{"table":"t"}')).toBeUndefined();
  });

  it('recordKeysInText reads a record\'s top-level keys in its line\'s order', () => {
    expect(recordKeysInText('{"country":"NO","2019":{"q":1,"0":2},"name":"x"}')).toEqual(['country', '2019', 'name']);
    expect(recordKeysInText('[1,2]')).toBeUndefined();
    expect(recordKeysInText('{}')).toEqual([]);
  });
});
