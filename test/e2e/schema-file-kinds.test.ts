import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, workdir } from '../helpers/cli.js';

// Another kind of file given as --schema (the data file itself, SQL, a JSON Schema) is said to be
// what it is, with what to do, exit 2, nothing written: they said "not valid JSON … put text in
// double quotes", or listed a JSON Schema's keys as unknown "(and 2 more problems)". A barge
// schema that is merely malformed keeps its own messages.

function setUp(files: Record<string, string>): string {
  const dir = workdir();
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const DRAFT_07 = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' } },
  required: ['id'],
}, null, 2);

describe('the wrong file given as --schema', () => {
  it('a data file, SQL or a JSON Schema is said to be one, for import and validate, exit 2, nothing written', async () => {
    const dir = setUp({
      'data.csv': 'id,name\n1,a\n',
      'data.tsv': 'id\tname\n1\ta\n',
      'codes.csv': 'code\n02134\n',
      'data.ndjson': '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n',
      'data.json': '[{"id":1,"name":"a"}]',
      'create.sql': '-- the table\nCREATE TABLE data (id INTEGER PRIMARY KEY, name TEXT);\n',
      'draft7.json': DRAFT_07,
      'plain.json': JSON.stringify({ type: 'object', properties: { id: { type: 'integer' } } }),
    });
    const data = (file: string) => `schema "${file}" looks like a data file, not a barge schema: pass it as the input (barge schema infer ${file} writes a schema for it)`;
    const jsonSchema = (file: string) => `schema "${file}" is a JSON Schema; barge's schema format is {"table": …, "columns": {…}} (README "Schema"; barge schema infer writes one)`;
    const cases: Array<[string, string]> = [
      ['data.csv', data('data.csv')],
      ['data.tsv', data('data.tsv')],
      ['codes.csv', data('codes.csv')],
      ['data.ndjson', data('data.ndjson')],
      ['data.json', data('data.json')],
      ['create.sql', 'schema "create.sql" is SQL; barge reads a JSON schema (see README "Schema"), or create the table first and import without --schema'],
      ['draft7.json', jsonSchema('draft7.json')],
      ['plain.json', jsonSchema('plain.json')],
    ];
    for (const [schema, message] of cases) {
      for (const command of ['import', 'validate']) {
        const run = await barge(dir, [command, 'data.csv', '--schema', schema, '--db', 'out.db']);
        expect(run, `${command} --schema ${schema}`).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: ${message}` });
      }
    }
    expect(fs.existsSync(path.join(dir, 'out.db'))).toBe(false);
  });

  it('a barge schema that is merely malformed keeps its messages', async () => {
    const dir = setUp({
      'data.csv': 'id,name\n1,a\n',
      'cut.json': '{"table": "data", "columns": {"id": {"type": "integer"}}\n',
      'typo.json': JSON.stringify({ table: 'data', colums: { id: { type: 'integer' } } }),
      'lost-brace.json': '"table": "data",\n"columns": {}\n',
    });
    const cases: Array<[string, string]> = [
      ['cut.json', "schema cut.json: not valid JSON: expected ',' or '}' after a property value, got the end of the file at line 2, column 1"],
      ['typo.json', 'schema typo.json: unknown key "colums"; did you mean "columns"? (and 1 more problem)'],
      ['lost-brace.json', "schema lost-brace.json: not valid JSON: expected the end of the file, got ':' at line 1, column 8"],
    ];
    for (const [schema, message] of cases) {
      const run = await barge(dir, ['import', 'data.csv', '--schema', schema, '--db', 'out.db']);
      expect(run, schema).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: ${message}` });
    }
    expect(fs.existsSync(path.join(dir, 'out.db'))).toBe(false);
  });
});
