import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { BargeError } from '../../src/errors.js';
import { openInput, openReadable } from '../../src/source/open-input.js';
import { parseCsv } from '../../src/source/parse-csv.js';
import { readRecords } from '../../src/source/read-records.js';
import type { SourceOptions, SourceRecord } from '../../src/source/types.js';

const dir = mkdtempSync(join(tmpdir(), 'barge-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const defaults: SourceOptions = { header: true, encoding: 'utf8' };

/** Parses `chunks` (each a separate stream chunk) as the input "products.csv". */
async function parse(chunks: (string | Buffer)[], options: Partial<SourceOptions> = {}, name = 'products.csv') {
  const opts = { ...defaults, ...options };
  const input = await openReadable(
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
    { name, path: name },
    opts,
  );
  const records: SourceRecord[] = [];
  for await (const batch of readRecords(input, opts)) records.push(...batch);
  return withoutDialect(records);
}

/**
 * The records without `csv` (how the input was read, shared by every record with the
 * header's fields): the tests below compare what was read; 'names each record's keys' checks it.
 */
function withoutDialect(records: SourceRecord[]): SourceRecord[] {
  return records.map(({ csv: _csv, ...record }) => record);
}

async function parseError(chunks: (string | Buffer)[], options: Partial<SourceOptions> = {}) {
  try {
    await parse(chunks, options);
  } catch (error) {
    expect(error).toBeInstanceOf(BargeError);
    return error as BargeError;
  }
  throw new Error('expected an error');
}

/** [line, recordNo, data] triples: the essentials of each record. */
const brief = (records: SourceRecord[]) => records.map((r) => [r.line, r.recordNo, r.data]);

describe('parseCsv', () => {
  it('reads a header and records with line and record numbers', async () => {
    const records = await parse(['id,name\n1,apple\n2,pear\n']);
    expect(records).toEqual([
      { input: 'products.csv', line: 2, recordNo: 1, text: true, data: { id: '1', name: 'apple' } },
      { input: 'products.csv', line: 3, recordNo: 2, text: true, data: { id: '2', name: 'pear' } },
    ]);
  });

  it('gives the start line of a record with quoted newlines', async () => {
    const records = await parse(['id,note\n1,"two\nlines"\n2,"three\n\nlines"\n3,x\n']);
    expect(brief(records)).toEqual([
      [2, 1, { id: '1', note: 'two\nlines' }],
      [4, 2, { id: '2', note: 'three\n\nlines' }],
      [7, 3, { id: '3', note: 'x' }],
    ]);
  });

  it('handles CRLF, also inside quoted fields', async () => {
    const records = await parse(['id,note\r\n1,a\r\n2,"x\r\ny"\r\n3,b\r\n']);
    expect(brief(records)).toEqual([
      [2, 1, { id: '1', note: 'a' }],
      [3, 2, { id: '2', note: 'x\r\ny' }],
      [5, 3, { id: '3', note: 'b' }],
    ]);
  });

  it('handles CR-only line endings', async () => {
    const records = await parse(['id,note\r1,a\r2,"x\ry"\r3,b\r']);
    expect(brief(records)).toEqual([
      [2, 1, { id: '1', note: 'a' }],
      [3, 2, { id: '2', note: 'x\ry' }],
      [5, 3, { id: '3', note: 'b' }],
    ]);
  });

  it('handles mixed line endings, each line as it ends, with exact lines', async () => {
    for (const text of ['id,note\n1,a\r\n2,"x\ry"\r3,b\n', 'id,note\r\n1,a\n2,"x\ry"\r\n3,b\r']) {
      expect(brief(await parse([text])), JSON.stringify(text)).toEqual([
        [2, 1, { id: '1', note: 'a' }],
        [3, 2, { id: '2', note: 'x\ry' }],
        [5, 3, { id: '3', note: 'b' }],
      ]);
    }
  });

  it('drops a UTF-8 BOM', async () => {
    const records = await parse([Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,a\n')])]);
    expect(brief(records)).toEqual([[2, 1, { id: '1', name: 'a' }]]);
  });

  it('skips blank lines, counting them, and makes no record of a trailing empty line', async () => {
    const records = await parse(['\nid,name\n\n1,a\n\n\n2,b\n\n']);
    expect(brief(records)).toEqual([
      [4, 1, { id: '1', name: 'a' }],
      [7, 2, { id: '2', name: 'b' }],
    ]);
  });

  it('reads a last line without a newline', async () => {
    expect(brief(await parse(['id\n1\n2']))).toEqual([
      [2, 1, { id: '1' }],
      [3, 2, { id: '2' }],
    ]);
  });

  it('takes a custom delimiter and quote', async () => {
    const records = await parse(["id;name\n1;'a;b'\n2;'it''s'\n"], { delimiter: ';', quote: "'" });
    expect(brief(records)).toEqual([
      [2, 1, { id: '1', name: 'a;b' }],
      [3, 2, { id: '2', name: "it's" }],
    ]);
  });

  it('reads TSV with a tab delimiter by default', async () => {
    const records = await parse(['id\tname\n1\ta,b\n'], {}, 'products.tsv');
    expect(brief(records)).toEqual([[2, 1, { id: '1', name: 'a,b' }]]);
  });

  it('reads quotes in TSV literally, unless --quote is given', async () => {
    const tsv = 'id\tname\ttags\n1\tBench Vise "Pro"\t["steel", "16oz"]\n2\t"quoted"\tx\n';
    expect(brief(await parse([tsv], {}, 'products.tsv'))).toEqual([
      [2, 1, { id: '1', name: 'Bench Vise "Pro"', tags: '["steel", "16oz"]' }],
      [3, 2, { id: '2', name: '"quoted"', tags: 'x' }],
    ]);
    expect(brief(await parse([tsv], { quote: '"' }, 'products.tsv'))).toEqual([
      [2, 1, { id: '1', name: 'Bench Vise "Pro"', tags: '["steel", "16oz"]' }],
      [3, 2, { id: '2', name: 'quoted', tags: 'x' }],
    ]);
    expect(brief(await parse(['id\tname\n1\t"a\tb"\n'], { quote: '"' }, 'products.tsv'))).toEqual([
      [2, 1, { id: '1', name: 'a\tb' }],
    ]);
  });

  it('reads a TSV field that does not close as a quoted field as text, without swallowing the lines after it', async () => {
    const tsv = 'id\tcomment\n1\t"Great product\n2\tterrible\n3\tsays "ok"\n4\t"x""y"\t"a\tb"\n';
    expect(brief(await parse([tsv], { quote: '"' }, 'c.tsv')).map(([line, no, data]) => [line, no, data])).toEqual([
      [2, 1, { id: '1', comment: '"Great product' }],
      [3, 2, { id: '2', comment: 'terrible' }],
      [4, 3, { id: '3', comment: 'says "ok"' }],
      [5, 4, { id: '4', comment: 'x"y', '(extra field 1)': 'a\tb' }],
    ]);
  });

  it('accepts --delimiter "\\t" typed as an escape', async () => {
    const records = await parse(['id\tname\n1\tx\n'], { delimiter: '\\t' });
    expect(brief(records)).toEqual([[2, 1, { id: '1', name: 'x' }]]);
  });

  it('names fields with --columns when there is no header', async () => {
    const records = await parse(['1,a\n2,b\n'], { header: false, columns: ['id', 'name'] });
    expect(brief(records)).toEqual([
      [1, 1, { id: '1', name: 'a' }],
      [2, 2, { id: '2', name: 'b' }],
    ]);
  });

  it('renames header fields with --columns', async () => {
    const records = await parse(['ID,Name\n1,a\n'], { columns: ['id', 'name'] });
    expect(brief(records)).toEqual([[2, 1, { id: '1', name: 'a' }]]);
  });

  it('refuses --columns that do not match the header', async () => {
    const error = await parseError(['a,b,c\n1,2,3\n'], { columns: ['x', 'y'] });
    expect(error.code).toBe('usage');
    expect(error.message).toBe('--columns gives 2 names but the header of products.csv has 3 columns');
  });

  it('needs --columns with --no-header', async () => {
    const error = await parseError(['1,2\n'], { header: false });
    expect(error.code).toBe('usage');
    expect(error.message).toBe('--no-header needs --columns a,b,c');
  });

  it('makes a short row a ragged_row record', async () => {
    const [record] = await parse(['a,b,c,d,e\n1,2,3,4\n']);
    expect(record).toEqual({
      input: 'products.csv',
      line: 2,
      recordNo: 1,
      text: true,
      data: { a: '1', b: '2', c: '3', d: '4' },
      raw: '1,2,3,4',
      parseError: { code: 'ragged_row', message: 'expected 5 fields, got 4' },
    });
  });

  it('writes a ragged row back as a CSV record: quoted fields stay quoted', async () => {
    const [short] = await parse(['a,b,c,d\n1,"x,y","say ""hi"""\n']);
    expect(short).toMatchObject({ raw: '1,"x,y","say ""hi"""', parseError: { code: 'ragged_row', message: 'expected 4 fields, got 3' } });
    const [lines] = await parse(['a,b\n"two\nlines"\n']);
    expect(lines).toMatchObject({ raw: '"two\nlines"', parseError: { code: 'ragged_row', message: 'expected 2 fields, got 1' } });
  });

  it('makes a long row a ragged_row record with the extra fields kept', async () => {
    const records = await parse(['a,b\n1,2,3,4\n5,6\n']);
    expect(records[0]).toEqual({
      input: 'products.csv',
      line: 2,
      recordNo: 1,
      text: true,
      data: { a: '1', b: '2', '(extra field 1)': '3', '(extra field 2)': '4' },
      raw: '1,2,3,4',
      parseError: { code: 'ragged_row', message: 'expected 2 fields, got 4' },
    });
    expect(records[1]).toEqual({ input: 'products.csv', line: 3, recordNo: 2, text: true, data: { a: '5', b: '6' } });
  });

  it('stops at an unterminated quote, naming the line where the record starts', async () => {
    const error = await parseError(['id,name\n1,a\n2,"b\n3,c\n4,d\n']);
    expect(error.code).toBe('input');
    expect(error.message).toBe(
      'products.csv:3, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
    );
    expect(error.line).toBe(3);
    expect(error.column).toBe('name');
    // In the header, its number; beyond the header's fields, as the record's data names it.
    expect((await parseError(['id,"name\n1,a\n'])).message).toBe(
      'products.csv:1, column 2 of the header: unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
    );
    expect((await parseError(['id,name\n1,a,"b\n'])).message).toBe(
      'products.csv:2, column "(extra field 1)": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
    );
  });

  it('stops at text after a closing quote, naming the line', async () => {
    const error = await parseError(['id,name\n1,a\n2,"b"x\n3,c\n']);
    expect(error.message).toBe(
      'products.csv:3, column "name": a closing quote is followed by something other than a delimiter or the end of the line (CSV_INVALID_CLOSING_QUOTE); check the quoting on that line',
    );
    expect(error.column).toBe('name');
  });

  it('rejects a record with a quote inside an unquoted field, keeping its text; the records after it read on', async () => {
    expect(await parse(['id,name\n1,a\n2,b"c\n3,d\n'])).toEqual([
      { input: 'products.csv', line: 2, recordNo: 1, text: true, data: { id: '1', name: 'a' } },
      { input: 'products.csv', line: 3, recordNo: 2, text: true, data: { id: '2', name: 'b"c' }, raw: '2,b"c',
        parseError: { code: 'stray_quote', message: 'a quote inside an unquoted field: quote the whole field and double the quote ("b""c")', column: 'name' } },
      { input: 'products.csv', line: 4, recordNo: 3, text: true, data: { id: '3', name: 'd' } },
    ]);
  });

  it("names a stray quote's column: the first field holding one, beyond the header's fields too", async () => {
    const columns = async (text: string) => (await parse([text])).map((r) => r.parseError?.column);
    expect(await columns('id,name,note\n1 ",a,b"\n2,a,b "c\n3,a,b,x"y\n4,"a",b\n')).toEqual(['id', 'note', '(extra field 1)', undefined]);
  });
  it('refuses a duplicate column in the header', async () => {
    const error = await parseError(['id,x,x\n1,2,3\n']);
    expect(error.code).toBe('input');
    expect(error.message).toBe('products.csv:1: duplicate column "x" in the header; rename the columns with --columns a,b,c');
  });

  it('refuses an empty column name in the header', async () => {
    const error = await parseError(['id,,name\n1,2,3\n']);
    expect(error.message).toBe('products.csv:1: column 2 has an empty name in the header; rename the columns with --columns a,b,c');
  });

  it('refuses a column name of only whitespace in the header, unless --columns replaces it', async () => {
    for (const header of ['  ', 'id, ,name', 'id,\t', 'id,\u00a0']) {
      const error = await parseError([`${header}\n\n 1,2,3\n`]);
      expect(error.code).toBe('input');
      const column = header === '  ' ? 1 : 2;
      expect(error.message).toBe(`products.csv:1: column ${column} has an empty name (only whitespace) in the header; rename the columns with --columns a,b,c`);
    }
    expect(brief(await parse(['id, \n1,2\n'], { columns: ['id', 'x'] }))).toEqual([[2, 1, { id: '1', x: '2' }]]);
  });

  it('refuses a header name holding a tab, read with another delimiter: TSV read as CSV', async () => {
    const error = await parseError(['id\tcity, state\n1\tParis, TX\n']);
    expect(error.code).toBe('input');
    expect(error.message).toBe(
      'products.csv:1: column name "id\\tcity" in the header holds a tab, so the input looks like TSV; pass --format tsv (or rename the columns with --columns a,b,c)',
    );
    // Read as TSV it loads; --columns replaces the names.
    expect(brief(await parse(['id\tcity, state\n1\tParis, TX\n'], { format: 'tsv' }))).toEqual([[2, 1, { id: '1', 'city, state': 'Paris, TX' }]]);
    expect(brief(await parse(['id\tcity,state\n1\tParis,TX\n'], { columns: ['a', 'b'] }))).toEqual([[2, 1, { a: '1\tParis', b: 'TX' }]]);
  });

  it('yields nothing for a header-only file or an empty file', async () => {
    expect(await parse(['id,name\n'])).toEqual([]);
    expect(await parse(['id,name'])).toEqual([]);
    expect(await parse([])).toEqual([]);
    expect(await parse([''])).toEqual([]);
    expect(await parse(['\n\n'])).toEqual([]);
  });

  it('keeps records whole across any chunk boundary', async () => {
    const text = 'id,note,price\r\n1,"a ""quoted"" \r\nnote",1.5\r\n2,ünïcödé 🚀,2\r\n3,"x,y",3\r\n';
    const bytes = Buffer.from(text);
    const expected = await parse([bytes]);
    expect(brief(expected)).toEqual([
      [2, 1, { id: '1', note: 'a "quoted" \r\nnote', price: '1.5' }],
      [4, 2, { id: '2', note: 'ünïcödé 🚀', price: '2' }],
      [5, 3, { id: '3', note: 'x,y', price: '3' }],
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const split = await parse([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(split, `cut at ${cut}`).toEqual(expected);
    }
    const oneByteChunks = await parse([...bytes].map((b) => Buffer.from([b])));
    expect(oneByteChunks).toEqual(expected);
  });

  it('yields one array per chunk of input, not per record', async () => {
    const opts = { ...defaults };
    const rows = (from: number) => Array.from({ length: 100 }, (_, i) => `${from + i}\n`).join('');
    const chunks = [Buffer.from(`id\n${rows(1)}`), Buffer.from(rows(101)), Buffer.from(rows(201))];
    const input = await openReadable(Readable.from(chunks), { name: 'x.csv', path: 'x.csv' }, opts);
    const batches: number[][] = [];
    for await (const batch of parseCsv(input, opts)) batches.push(batch.map((r) => r.recordNo));
    // A chunk's last record, its LF the chunk's last character, comes with its chunk (csv-parse
    // held it for the next: the last line a `tail -f` had sent waited for the line after it).
    expect(batches.map((b) => b.length)).toEqual([100, 100, 100]);
    expect(batches.flat()).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('keeps _barge fields of a CSV error report in data', async () => {
    const records = await parse(['_barge_line,_barge_errors,id\n4,"[]",7\n']);
    expect(records[0]!.data).toEqual({ _barge_line: '4', _barge_errors: '[]', id: '7' });
  });
});

describe('parseCsv decoding', () => {
  it('decodes latin1', async () => {
    const records = await parse([Buffer.from('id,name\n1,Crème brûlée\n', 'latin1')], { encoding: 'latin1' });
    expect(brief(records)).toEqual([[2, 1, { id: '1', name: 'Crème brûlée' }]]);
  });

  it('decodes UTF-16LE with a BOM, split at odd bytes', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\r\n1,Zoë 🚀\r\n', 'utf16le')]);
    const expected = [[2, 1, { id: '1', name: 'Zoë 🚀' }]];
    expect(brief(await parse([bytes], { encoding: 'utf16le' }))).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(brief(await parse([bytes.subarray(0, cut), bytes.subarray(cut)], { encoding: 'utf16le' }))).toEqual(expected);
    }
  });

  it('reads a UTF-16LE file with a BOM even without --encoding', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\n1\n', 'utf16le')]);
    expect(brief(await parse([bytes]))).toEqual([[2, 1, { id: '1' }]]);
  });

  it('stops at invalid UTF-8 naming the line and byte', async () => {
    const bytes = Buffer.concat([Buffer.from('id,name\n1,a\n2,'), Buffer.from([0xe9]), Buffer.from('t\xe9\n')]);
    const error = await parseError([bytes]);
    expect(error.code).toBe('input');
    expect(error.message).toBe(
      'products.csv:3: invalid UTF-8 at column 3 (byte offset 14 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    );
    expect(error.line).toBe(3);
  });

  it('finds the line of invalid UTF-8 in a later chunk', async () => {
    const error = await parseError([Buffer.from('id\n1\n2\n'), Buffer.from('3\n'), Buffer.from([0x34, 0xff, 0x0a])]);
    expect(error.message).toMatch(/^products\.csv:5: invalid UTF-8 at column 2 \(byte offset 10 in the input\);/);
  });
});

describe('parseCsv from files', () => {
  it("names each record's keys (csv.names, one array per input), but not a ragged row's", async () => {
    const input = await openReadable(Readable.from([Buffer.from('b,2,a\nx,y,z\nshort\n1,2,3\n')]), { name: 'in.csv', path: 'in.csv' }, defaults);
    const records: SourceRecord[] = [];
    for await (const batch of readRecords(input, defaults)) records.push(...batch);
    expect(records.map((record) => record.csv?.names)).toEqual([['b', '2', 'a'], undefined, ['b', '2', 'a']]);
    expect(records[0]!.csv).toBe(records[2]!.csv);
    expect(records[0]!.csv).toEqual({ delimiter: ',', quote: '"', relaxQuotes: false, names: ['b', '2', 'a'] });
    // The names in the header's order; the data's keys are the same set (integers first).
    expect(Object.keys(records[0]!.data).sort()).toEqual([...records[0]!.csv!.names].sort());
  });

  it('reads a file through openInput', async () => {
    const path = join(dir, 'products.csv');
    writeFileSync(path, 'id,name\n1,a\n');
    const input = await openInput(path, defaults);
    const records: SourceRecord[] = [];
    for await (const batch of readRecords(input, defaults)) records.push(...batch);
    expect(withoutDialect(records)).toEqual([{ input: path, line: 2, recordNo: 1, text: true, data: { id: '1', name: 'a' } }]);
  });
});

describe('parseCsv memory bound', () => {
  it('stops a runaway quoted field at the record size limit instead of buffering the file', async () => {
    const filler = 'x'.repeat(1024 * 1024) + '\n';
    const chunks = ['id,name\n1,a\n2,"b\n', ...Array.from({ length: 17 }, () => filler)];
    const error = await parseError(chunks);
    expect(error.message).toBe(
      'products.csv:3, column "name": a record longer than 16777216 characters, most likely an unterminated quoted field (or a value that long) (CSV_MAX_RECORD_SIZE); check the quoting on that line',
    );
  });

  it('a record too long whose quoted field, with line breaks, closes in the same read: still the quoting message', async () => {
    const big = 'x'.repeat(17 * 1024 * 1024);
    const error = await parseError([`id,name\n1,a\n2,"${big}\n${big.slice(0, 10)}"\n`]);
    expect(error.message).toBe(
      'products.csv:3, column "name": a record longer than 16777216 characters, most likely an unterminated quoted field (or a value that long) (CSV_MAX_RECORD_SIZE); check the quoting on that line',
    );
  });

  it('a quoted value too long, closed, with no line break in it: said to be the quoting or a value that long', async () => {
    const piece = 'z'.repeat(1024 * 1024);
    // A 17 MB cell (it was "most likely an unterminated quoted field" alone).
    const chunks = ['id,name\n1,a\n2,"', ...Array.from({ length: 17 }, () => piece), '"\n'];
    const error = await parseError(chunks);
    expect(error.message).toBe(
      'products.csv:3, column "name": a record longer than 16777216 characters, most likely an unterminated quoted field (or a value that long) (CSV_MAX_RECORD_SIZE); check the quoting on that line',
    );
  });

  it('a line too long with no quote open is said as such, not blamed on the quoting', async () => {
    const piece = 'z'.repeat(1024 * 1024);
    const chunks = ['id,name\n1,a\n2,', ...Array.from({ length: 17 }, () => piece), '\n'];
    const error = await parseError(chunks);
    expect(error.message).toBe(
      "products.csv:3: a record longer than 16777216 characters, the most one record may hold (CSV_MAX_RECORD_SIZE); check that the input's lines end in line breaks, and that no value is that long",
    );
  });
});

describe('parseCsv TSV stray quote', () => {
  it('hands on the lines read again after a quote that never closes in batches no larger than a chunk gives', async () => {
    // The lines after `"oops` were held until the end of the input (or 16 Mi characters), then
    // all handed on as one batch: 200,000 records at once here, 2 GB of RSS for an 18 MB file.
    const lines = 200_000;
    const text = `a\tb\n1\t"oops\n${'2\tx\n'.repeat(lines)}`;
    const chunks = text.match(/[^]{1,65536}/g)!.map((c) => Buffer.from(c));
    // The CLI's default quote (parseCsv's own default for TSV is none).
    const options = { ...defaults, quote: '"' };
    const input = await openReadable(Readable.from(chunks), { name: 'open.tsv', path: 'open.tsv' }, options);
    const sizes: number[] = [];
    let first: Record<string, unknown> | undefined;
    let last: SourceRecord | undefined;
    for await (const batch of parseCsv(input, options)) {
      first ??= batch[0]?.data;
      sizes.push(batch.length);
      last = batch[batch.length - 1];
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(lines + 1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65536 / 4 + 1);
    expect(first).toEqual({ a: '1', b: '"oops' });
    expect([last!.line, last!.recordNo, last!.data]).toEqual([lines + 2, lines + 1, { a: '2', b: 'x' }]);
  });

  it('reads a quoted field that closes more than 1 Mi characters after its opening quote as text', async () => {
    const long = 'y'.repeat(1024 * 1024);
    const within = await parse([`a\tb\n1\t"${long.slice(2)}"\n2\tz\n`], { quote: '"' }, 'f.tsv');
    expect(within.map((r) => [r.line, (r.data.b as string).length])).toEqual([
      [2, 1024 * 1024 - 2],
      [3, 1],
    ]);
    // One character more: the field is its text, quotes included, up to the line end.
    const past = await parse([`a\tb\n1\t"${long.slice(1)}\tq"\n2\tz\n`], { quote: '"' }, 'f.tsv');
    expect(past.map((r) => [r.line, r.parseError?.code, Object.values(r.data).map((v) => (v as string).length)])).toEqual([
      [2, 'ragged_row', [1, 1024 * 1024, 2]],
      [3, undefined, [1, 1]],
    ]);
  });
});

describe('parseCsv quoting options', () => {
  it('reads quotes literally with --quote ""', async () => {
    const records = await parse(['id,name\n1,12" pizza\n2,"a"\n'], { quote: '' });
    expect(brief(records)).toEqual([
      [2, 1, { id: '1', name: '12" pizza' }],
      [3, 2, { id: '2', name: '"a"' }],
    ]);
  });

  it('refuses a delimiter that is the quote', async () => {
    const error = await parseError(['a,b\n'], { delimiter: '"' });
    expect(error).toMatchObject({ code: 'usage', message: '--delimiter and --quote cannot be the same character (")' });
  });
});

describe('a record\'s data object (built by code generated for the header)', () => {
  /** What the generated builder must equal: one store per field, in header order. */
  function byStores(header: string[], fields: string[]): Record<string, string> {
    const data: Record<string, string> = {};
    header.forEach((key, i) => { data[key] = fields[i]!; });
    return data;
  }
  const csvField = (text: string) => `"${text.replaceAll('"', '""')}"`;

  it('names that would be code are only data: quotes, backslashes, braces, line breaks, U+2028, numbers', async () => {
    const header = ['a"b', 'c\\d', '}); throw 1; ({', 'line\nbreak', 'sep\u2028arator', '1', 'constructor', 'toString', '🚀', ' x '];
    const row = header.map((_, i) => `v${i}`);
    const [record] = await parse([`${header.map(csvField).join(',')}\n${row.join(',')}\n`]);
    expect(record!.data).toEqual(byStores(header, row));
    expect(Object.keys(record!.data)).toEqual(Object.keys(byStores(header, row)));
    expect(Object.getPrototypeOf(record!.data)).toBe(Object.prototype);
  });
});

describe('names that differ only in case are one column to SQLite', () => {
  it('--columns id,ID is a usage error; a header id,ID an input error naming the line', async () => {
    await expect(parse(['a,b\n1,2\n'], { columns: ['id', 'ID'] })).rejects.toThrow('--columns names "id" and "ID", one column to SQLite, which ignores case in names');
    await expect(parse(['id,ID\n1,2\n'])).rejects.toThrow('products.csv:1: columns "id" and "ID", one column to SQLite, which ignores case in names, in the header; rename the columns with --columns a,b,c');
  });
});

describe("Excel's sep= line", () => {
  it('stops the input at line 1 saying what to do (it loaded one column named "sep=;", exit 0)', async () => {
    await expect(parse(['sep=;\nid;name\n1;x\n'])).rejects.toMatchObject({
      code: 'input',
      line: 1,
      message: `products.csv:1: the file starts with Excel's "sep=;" line, which barge does not read: import the lines after it with --delimiter ';', e.g. tail -n +2 products.csv | barge import - --format csv --delimiter ';' …`,
    });
    await expect(parse(['sep=;\r\nid;name\r\n'], { delimiter: ';' })).rejects.toMatchObject({ line: 1 });
  });

  it('a header that only starts with sep= is a header', async () => {
    const records = await parse(['sep=x,y\n1,2\n']);
    expect(records.map((r) => r.data)).toEqual([{ 'sep=x': '1', y: '2' }]);
  });
});
