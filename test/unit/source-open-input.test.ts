import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { openInput, openReadable, sniffFormat } from '../../src/source/open-input.js';
import { formatFromPath } from '../../src/source/format-from-path.js';
import { readRecords } from '../../src/source/read-records.js';
import type { OpenedInput, SourceOptions, SourceRecord } from '../../src/source/types.js';

const dir = mkdtempSync(join(tmpdir(), 'barge-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options: SourceOptions = { header: true, encoding: 'utf8' };

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function records(input: OpenedInput, opts: SourceOptions = options) {
  const out: SourceRecord[] = [];
  for await (const batch of readRecords(input, opts)) out.push(...batch);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<BargeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BargeError);
  return error as BargeError;
}

/** An input read from a stream, as stdin is. */
function stdinLike(content: string | Buffer, opts: SourceOptions = options) {
  return openReadable(Readable.from([Buffer.from(content)]), { name: 'stdin', path: '-' }, opts);
}

describe('formatFromPath', () => {
  it.each([
    ['products.csv', 'csv'],
    ['dir.d/PRODUCTS.CSV', 'csv'],
    ['products.tsv', 'tsv'],
    ['events.ndjson', 'ndjson'],
    ['events.jsonl', 'ndjson'],
    ['products.errors.ndjson', 'ndjson'],
    ['data.json', 'json'],
    ['data.json.gz', 'json'],
    ['products.csv.GZ', 'csv'],
    ['export.txt', undefined],
    ['export.gz', undefined],
    ['csv', undefined],
    ['.csv', undefined],
    ['-', undefined],
  ])('%s -> %s', (path, format) => {
    expect(formatFromPath(path)).toBe(format);
  });
});

describe('sniffFormat', () => {
  it.each([
    ['[{"id":1}]', 'json'],
    ['  \n\t[\n', 'json'],
    ['{"id":1}\n{"id":2}\n', 'ndjson'],
    ['\r\n{"id":1}', 'ndjson'],
    ['\ufeff[1]', 'json'],
    ['id\tname\n1\tx\n', 'tsv'],
    ['\tname\n', 'tsv'],
    ['id\tname,first\n', 'csv'],
    ['id,name\n1,x\ty\n', 'csv'],
    ['id\n1\n', 'csv'],
    ['', 'csv'],
    ['   \n', 'csv'],
  ])('%j -> %s', (text, format) => {
    expect(sniffFormat(text)).toBe(format);
  });
});

describe('openInput', () => {
  it('opens a file, with its size, format from the extension and a byte counter', async () => {
    const path = file('products.csv', 'id,name\n1,a\n2,b\n');
    const input = await openInput(path, options);
    expect(input).toMatchObject({ name: path, path, size: 16, format: 'csv' });
    expect((await records(input)).length).toBe(2);
    expect(input.bytesRead()).toBe(16);
  });

  it('says so when a file does not exist', async () => {
    const error = await failure(openInput(join(dir, 'missing.csv'), options));
    expect(error.code).toBe('usage');
    expect(error.message).toBe(`cannot read input "${join(dir, 'missing.csv')}": no such file`);
  });

  it('says so when the path is a directory', async () => {
    const path = join(dir, 'a-directory.csv');
    mkdirSync(path);
    const error = await failure(openInput(path, options));
    expect(error.code).toBe('usage');
    expect(error.message).toBe(`cannot read input "${path}": it is a directory`);
  });

  it('refuses an unsupported encoding as a usage error', async () => {
    const path = file('enc.csv', 'id\n1\n');
    const error = await failure(openInput(path, { ...options, encoding: 'hex' }));
    expect(error).toMatchObject({ code: 'usage', message: 'unsupported --encoding "hex"; use utf8, utf16le, latin1 or windows-1252' });
  });

  it('lets --format override the extension', async () => {
    const path = file('events.csv', '{"id":1}\n');
    const input = await openInput(path, { ...options, format: 'ndjson' });
    expect(input.format).toBe('ndjson');
    expect((await records(input))[0]!.data).toEqual({ id: 1 });
  });

  it('sniffs the format of a file with an unknown extension', async () => {
    const path = file('export.txt', 'id\tname\n1\tx\n');
    const input = await openInput(path, options);
    expect(input.format).toBe('tsv');
    expect((await records(input))[0]!.data).toEqual({ id: '1', name: 'x' });
  });

  it('reads gzip by extension, counting compressed bytes', async () => {
    const gz = gzipSync('id,name\n1,a\n2,b\n');
    const path = file('products.csv.gz', gz);
    const input = await openInput(path, options);
    expect(input).toMatchObject({ format: 'csv', size: gz.length });
    expect((await records(input)).map((r) => [r.line, r.data])).toEqual([
      [2, { id: '1', name: 'a' }],
      [3, { id: '2', name: 'b' }],
    ]);
    expect(input.bytesRead()).toBe(gz.length);
  });

  it('reads gzip by magic bytes, and sniffs the format after gunzip', async () => {
    const path = file('events.data', gzipSync('{"id":1}\n{"id":2}\n'));
    const input = await openInput(path, options);
    expect(input.format).toBe('ndjson');
    expect((await records(input)).map((r) => r.data)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('reads gzip content under a plain extension', async () => {
    const path = file('really-gzipped.csv', gzipSync('id\n7\n'));
    expect((await records(await openInput(path, options))).map((r) => r.data)).toEqual([{ id: '7' }]);
  });

  it('reads concatenated gzip members', async () => {
    const path = file('two.ndjson.gz', Buffer.concat([gzipSync('{"id":1}\n'), gzipSync('{"id":2}\n')]));
    expect((await records(await openInput(path, options))).map((r) => r.data)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('turns a truncated gzip file into one clear error', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},name ${i}\n`).join('');
    const gz = gzipSync(`id,name\n${rows}`);
    const path = file('x.csv.gz', gz.subarray(0, gz.length - 100));
    const input = await openInput(path, options);
    const error = await failure(records(input));
    expect(error.code).toBe('input');
    expect(error.message).toBe(
      `${path}: not a valid gzip file (unexpected end of file): the compressed data stops short, so the file looks truncated (an unfinished download or copy?); get a complete copy`,
    );
  });

  it('turns a .gz file that is not gzip into one clear error', async () => {
    const path = file('plain.csv.gz', 'id,name\n1,a\n');
    const error = await failure(openInput(path, options).then((input) => records(input)));
    expect(error.code).toBe('input');
    expect(error.message).toBe(
      `${path}: not a valid gzip file (incorrect header check): its name ends in .gz, but it does not start as gzip data does; if it is not compressed, rename it without .gz`,
    );
  });

  it('says what a damaged gzip file (it starts as gzip data does) needs', async () => {
    const path = file('damaged.csv', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('this is not deflate data\n')]));
    const error = await failure(openInput(path, options).then((input) => records(input)));
    expect(error.code).toBe('input');
    expect(error.message).toBe(
      `${path}: not a valid gzip file (unknown compression method): the compressed data is damaged; get an intact copy (gzip -t ${path} checks one)`,
    );
  });

  it('says when a file is gzipped twice, instead of reading gzip bytes as text', async () => {
    const twice = gzipSync(gzipSync('id\n1\n'));
    for (const [name, once] of [['twice.csv.gz', 'twice.csv'], ['twice.csv', 'twice.csv.gz']]) {
      const path = file(name, twice);
      const error = await failure(openInput(path, options));
      expect(error.code).toBe('input');
      expect(error.message).toBe(
        `${path}: gzip inside gzip (the data was compressed twice); decompress one layer first (zcat ${path} > ${join(dir, once)}) and import that file`,
      );
    }
    const error = await failure(stdinLike(twice));
    expect(error.message).toBe('stdin: gzip inside gzip (the data was compressed twice); add one more zcat to the pipe (… | zcat | barge import -)');
  });

  it('a file that ends before the size it had when opened was cut short: no record of its cut line, one clear error', async () => {
    // What a file truncated by another process while read gives: fewer bytes than its size.
    const input = await openReadable(Readable.from([Buffer.from('id,name\n1,a\n2,b')]), { name: 'in.csv', path: 'in.csv', size: 4000 }, options);
    const seen: unknown[] = [];
    let error: unknown;
    try {
      for await (const batch of readRecords(input, options)) seen.push(...batch.map((record) => record.data));
    } catch (caught) {
      error = caught;
    }
    expect(seen).toEqual([{ id: '1', name: 'a' }]);
    expect(error).toBeInstanceOf(BargeError);
    expect((error as BargeError).code).toBe('io');
    expect((error as Error).message).toBe(
      'input "in.csv" was cut short while it was read (it ended after 15 of its 4000 bytes): another process truncated or rewrote it; put the complete file back and try again',
    );
    // Read to its size, or past it (appended meanwhile), it is whole.
    for (const size of [15, 10]) {
      const whole = await openReadable(Readable.from([Buffer.from('id,name\n1,a\n2,b')]), { name: 'in.csv', path: 'in.csv', size }, options);
      expect((await records(whole)).map((record) => record.data)).toEqual([{ id: '1', name: 'a' }, { id: '2', name: 'b' }]);
    }
  });

  it('reads an empty file as no records', async () => {
    const path = file('empty.csv', '');
    const input = await openInput(path, options);
    expect(await records(input)).toEqual([]);
    expect(input.bytesRead()).toBe(0);
  });
});

describe('stdin-like inputs', () => {
  it('sniffs each format from the first bytes', async () => {
    expect((await stdinLike('[{"id":1}]')).format).toBe('json');
    expect((await stdinLike('{"id":1}\n')).format).toBe('ndjson');
    expect((await stdinLike('id\tname\n1\tx\n')).format).toBe('tsv');
    expect((await stdinLike('id,name\n1,x\n')).format).toBe('csv');
    expect((await stdinLike('')).format).toBe('csv');
  });

  it('names stdin "stdin" and has no size', async () => {
    const input = await stdinLike('{"id":1}\n');
    expect(input).toMatchObject({ name: 'stdin', path: '-', size: undefined });
    expect(await records(input)).toEqual([{ input: 'stdin', line: 1, recordNo: 1, text: false, data: { id: 1 } }]);
    expect(input.bytesRead()).toBe(9);
  });

  it('sniffs gzip on stdin, then the format inside it', async () => {
    const input = await openReadable(
      Readable.from([gzipSync('[{"id":1},{"id":2}]')]),
      { name: 'stdin', path: '-' },
      options,
    );
    expect(input.format).toBe('json');
    expect((await records(input)).map((r) => r.recordNo)).toEqual([1, 2]);
  });

  it('sniffs across small chunks without losing bytes', async () => {
    const bytes = Buffer.from('\n\nid\tname\n1\tx\n');
    const input = await openReadable(
      Readable.from([...bytes].map((b) => Buffer.from([b]))),
      { name: 'stdin', path: '-' },
      options,
    );
    expect(input.format).toBe('tsv');
    expect((await records(input)).map(({ csv: _csv, ...record }) => record)).toEqual([{ input: 'stdin', line: 4, recordNo: 1, text: true, data: { id: '1', name: 'x' } }]);
  });

  it('sniffs UTF-16LE input', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[{"id":1}]', 'utf16le')]);
    const input = await openReadable(Readable.from([bytes]), { name: 'stdin', path: '-' }, options);
    expect(input.format).toBe('json');
    expect((await records(input))[0]!.data).toEqual({ id: 1 });
  });
});

describe('byte order marks', () => {
  it('drops a UTF-8 BOM under --encoding latin1 too, also when sniffing the format', async () => {
    const opts: SourceOptions = { ...options, encoding: 'latin1' };
    const csv = await stdinLike(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,caf\xe9\n1,x\n', 'latin1')]), opts);
    expect(csv.format).toBe('csv');
    expect((await records(csv, opts)).map((r) => r.data)).toEqual([{ id: '1', café: 'x' }]);
    const json = await stdinLike(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"id":1}]')]), opts);
    expect(json.format).toBe('json');
  });

  it('drops a UTF-8 BOM even when it arrives a byte at a time', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":1}\n')]);
    for (const format of [undefined, 'ndjson'] as const) {
      const opts = { ...options, format };
      const input = await openReadable(
        Readable.from([...bytes].map((b) => Buffer.from([b]))),
        { name: 'stdin', path: '-' },
        opts,
      );
      expect(await records(input, opts)).toEqual([{ input: 'stdin', line: 1, recordNo: 1, text: false, data: { id: 1 } }]);
    }
  });
});
