import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/** Files written on Windows (Excel, ERPs): windows-1252 text, and what latin1 makes of it. */

describe('--encoding windows-1252', () => {
  const bytes = Buffer.concat([Buffer.from('id,name,price\n1,'), Buffer.from([0x93]), Buffer.from('Caf'), Buffer.from([0xe9, 0x94]), Buffer.from(' '), Buffer.from([0x96]), Buffer.from(' deluxe,'), Buffer.from([0x80]), Buffer.from('5\n')]);

  it('reads € “ ” – as Windows writes them', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'w.csv'), bytes);
    for (const name of ['windows-1252', 'cp1252']) {
      const result = await barge(dir, ['import', 'w.csv', '--encoding', name, '--table', 't', '--db', `${name}.db`]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(rows(path.join(dir, `${name}.db`), 'SELECT name, price FROM t')).toEqual([{ name: '“Café” – deluxe', price: '€5' }]);
    }
  });

  it('latin1 (ISO-8859-1) stops at such a byte with the hint, exit 2, nothing written (it loaded U+0093 and U+0080, exit 0)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'w.csv'), bytes);
    const result = await barge(dir, ['import', 'w.csv', '--encoding', 'latin1', '--table', 't', '--db', 'l.db']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: w.csv:2: a control character (a byte 0x80-0x9F) at column 3 (byte offset 16 in the input), which in latin1 (ISO-8859-1) no text holds but a file from Windows does (€ “ ” – …): pass --encoding windows-1252');
    // Refused before anything was written: no database.
    expect(fs.existsSync(path.join(dir, 'l.db'))).toBe(false);
  });

  it('invalid UTF-8 points to windows-1252 first', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'w.csv'), bytes);
    const result = await barge(dir, ['validate', 'w.csv']);
    expect(result).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: w.csv:2: invalid UTF-8 at column 3 (byte offset 16 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    });
  });

  it('a message shows a C1 control character escaped (it printed raw, and `got "5"` looked valid)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, price: { type: 'number' } } }));
    fs.writeFileSync(path.join(dir, 'e.ndjson'), '{"id":1,"price":"\u00805"}\n');
    const result = await barge(dir, ['validate', 'e.ndjson', '--schema', 's.json']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[3]).toBe('  e.ndjson:line 1, column "price": expected a number, got "\\u00805"');
  });
});

describe('a report fed back with its input\'s --encoding', () => {
  it('is refused, exit 2: the report is UTF-8 (its "Müller" loaded as "MÃ¼ller", exit 0)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' }, n: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'legacy.csv'), Buffer.from('id;name;n\n1;Caf\xe9;1\n2;M\xfcller;x\n', 'latin1'));
    const first = await barge(dir, ['import', 'legacy.csv', '--encoding', 'latin1', '--delimiter', ';', '--mode', 'row', '--schema', 's.json', '--db', 'f.db']);
    expect(first.exitCode).toBe(1);
    const report = path.join(dir, 'legacy.errors.ndjson');
    fs.writeFileSync(report, fs.readFileSync(report, 'utf8').replace('"n":"x"', '"n":"2"'));
    const again = await barge(dir, ['import', 'legacy.errors.ndjson', '--encoding', 'latin1', '--delimiter', ';', '--db', 'f.db']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe('barge: error: legacy.errors.ndjson is a report barge wrote, in UTF-8 whatever --encoding its input had; leave --encoding out to import it');
    const fixed = await barge(dir, ['import', 'legacy.errors.ndjson', '--db', 'f.db']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(path.join(dir, 'f.db'), 'SELECT id, name, n FROM t ORDER BY id')).toEqual([{ id: 1, name: 'Café', n: 1 }, { id: 2, name: 'Müller', n: 2 }]);
  });
});

describe('validate --fail-fast with another --max-errors', () => {
  it('is refused as import refuses it (validate took 1 silently)', async () => {
    const dir = workdir();
    const result = await barge(dir, ['validate', 'fixtures/products.csv', '--fail-fast', '--max-errors', '5']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --fail-fast is --max-errors 1; do not give both');
  });
});

describe('a header name padded with spaces (Excel: `id , name`)', () => {
  it('is named as the schema column it was meant to be, with no advice to drop it (which loaded NULLs, exit 0)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'padded.csv'), 'id , name\n1,Alice\n');
    const result = await barge(dir, ['validate', 'padded.csv', '--schema', 's.json']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('padded.csv:line 2, column "id ": unexpected column "id " (the schema\'s column is "id": names must match exactly, case and spaces too; rename it (--columns))');
    expect(result.stderr).not.toContain('"extraColumns": "ignore"');
  });
});

describe('a zip archive (an .xlsx workbook) saved under a .csv name', () => {
  it('is named as one, exit 2 (it said invalid UTF-8 and to pass --encoding latin1)', async () => {
    const dir = workdir();
    // A zip's local file header, then deflated bytes.
    fs.writeFileSync(path.join(dir, 'book.csv'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]), Buffer.from([0xc3, 0x28, 0x9f, 0xff, 0x00, 0x10])]));
    const result = await barge(dir, ['import', 'book.csv', '--table', 't', '--db', 'z.db']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: book.csv is a zip archive (an Excel .xlsx workbook is one), not text: save the sheet as CSV (UTF-8), or unzip it first');
  });
});

describe('an input whose format was sniffed, that does not parse as that format', () => {
  it('says it was sniffed and to pass --format (SQL Server\'s `[id],[name]` header read as JSON said only "invalid JSON")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'ss.txt'), '[id],[name]\n1,a\n');
    const result = await barge(dir, ['import', 'ss.txt', '--table', 't', '--db', 's.db']);
    expect(result).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: "barge: error: ss.txt:1: invalid JSON near record 1: expected a value, got 'id' at column 2; put text in double quotes (ss.txt was read as JSON, its format sniffed from its first bytes; if it is not, pass --format)",
    });
    const piped = await barge(dir, ['import', '-', '--table', 't', '--db', 's.db'], { input: '[id],[name]\n1,a\n' });
    expect(piped).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: "barge: error: stdin:1: invalid JSON near record 1: expected a value, got 'id' at column 2; put text in double quotes (stdin was read as JSON, its format sniffed from its first bytes; if it is not, pass --format)",
    });
    expect(fs.existsSync(path.join(dir, 's.db'))).toBe(false);
  });
});

describe('what counts as a report for the --encoding refusal', () => {
  it('a file that only mentions _barge_job is no report; a gzipped report is one', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'notes.csv'), Buffer.from('id,name,note\n7,see the _barge_job column docs,x\n', 'latin1'));
    const plain = await barge(dir, ['import', 'notes.csv', '--encoding', 'latin1', '--table', 'notes', '--db', 'n.db']);
    expect(plain.exitCode, plain.stderr).toBe(0);
    fs.writeFileSync(path.join(dir, 'rep.csv.gz'), gzipSync(Buffer.from('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,id,name\nj1,a.csv,2,1,1,[],2,Müller\n')));
    const gz = await barge(dir, ['import', 'rep.csv.gz', '--encoding', 'latin1', '--table', 't', '--db', 'r.db']);
    expect(gz.exitCode).toBe(2);
    expect(gz.stderr).toBe('barge: error: rep.csv.gz is a report barge wrote, in UTF-8 whatever --encoding its input had; leave --encoding out to import it');
  });
});
