import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { waitUntil } from '../helpers/waits.js';

// A line piped into `barge import -` is loaded as soon as its batch is full, even while the
// producer sends nothing more (`tail -f log.csv | barge import - …`). The CSV tokenizer held
// back a record whose line break ended what had arrived, so the last line sent waited,
// unloaded, for the line after it, and a Ctrl-C then lost it (a stdin job is not resumable).

const schema = { table: 't', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, v: { type: 'string' } } };

function count(db: string): number {
  if (!fs.existsSync(db)) return 0;
  try {
    return rows<{ n: number }>(db, 'SELECT count(*) AS n FROM t')[0]!.n;
  } catch {
    return 0; // the table is not there yet
  }
}

describe('stdin: a record is loaded once it has arrived, not when the next one does', () => {
  const cases: Array<[string, string, string, string[]]> = [
    ['csv, LF', 'csv', 'id,v\n1,a\n2,b\n', ['a', 'b']],
    ['csv, CRLF', 'csv', 'id,v\r\n1,a\r\n2,b\r\n', ['a', 'b']],
    ['csv, the last field quoted', 'csv', 'id,v\n1,a\n2,"b, quoted"\n', ['a', 'b, quoted']],
    ['tsv', 'tsv', 'id\tv\n1\ta\n2\tb\n', ['a', 'b']],
    ['ndjson', 'ndjson', '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n', ['a', 'b']],
  ];
  it.each(cases)('%s: both records are in the table while stdin is still open', async (_name, format, text, values) => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 't.schema.json'), JSON.stringify(schema));
    const db = path.join(dir, 'live.db');
    const child = execa('node', [BIN, 'import', '-', '--format', format, '--schema', 't.schema.json', '--db', 'live.db', '--mode', 'row', '--batch-size', '1', '--quiet'], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' }, stdin: 'pipe',
    });
    child.stdin!.write(text);
    await waitUntil('both records in the table', () => count(db) === 2, 20_000);
    child.stdin!.end();
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(rows(db, 'SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: values[0] }, { id: 2, v: values[1] }]);
  });
});
