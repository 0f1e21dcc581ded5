import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { openInput, openReadable } from '../../src/source/open-input.js';
import { parseJsonArray } from '../../src/source/parse-json-array.js';
import { readRecords } from '../../src/source/read-records.js';
import type { SourceOptions, SourceRecord } from '../../src/source/types.js';

const dir = mkdtempSync(join(tmpdir(), 'barge-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options: SourceOptions = { header: true, encoding: 'utf8' };

async function parse(chunks: (string | Buffer)[]) {
  const input = await openReadable(
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
    { name: 'data.json', path: 'data.json' },
    options,
  );
  const records: SourceRecord[] = [];
  for await (const batch of parseJsonArray(input, options)) records.push(...batch);
  return records;
}

async function parseError(chunks: (string | Buffer)[]) {
  try {
    await parse(chunks);
  } catch (error) {
    expect(error).toBeInstanceOf(BargeError);
    expect((error as BargeError).code).toBe('input');
    return (error as BargeError).message;
  }
  throw new Error('expected an error');
}

const PRETTY = `[
  {
    "id": 1,
    "name": "a [tricky] {string} with \\"quotes\\" and \\\\"
  },
  {"id": 2, "nested": {"list": [1, 2, {"x": null}]}},

  {
    "id": 3
  }
]
`;

describe('parseJsonArray', () => {
  it('reads the elements with the exact line each starts on', async () => {
    expect(await parse([PRETTY])).toEqual([
      {
        input: 'data.json',
        line: 2,
        recordNo: 1,
        text: false,
        data: { id: 1, name: 'a [tricky] {string} with "quotes" and \\' },
      },
      { input: 'data.json', line: 6, recordNo: 2, text: false, data: { id: 2, nested: { list: [1, 2, { x: null }] } } },
      { input: 'data.json', line: 8, recordNo: 3, text: false, data: { id: 3 } },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const bytes = Buffer.from(PRETTY.replace('"a [', '"ünï 🚀 ['));
    const expected = await parse([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await parse([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    expect(await parse([...bytes].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('counts CRLF and a lone CR as one line break each, as LF, whatever the chunk boundaries', async () => {
    const lines = (records: SourceRecord[]) => records.map((r) => [r.line, r.recordNo]);
    const want = lines(await parse([PRETTY]));
    expect(want).toEqual([
      [2, 1],
      [6, 2],
      [8, 3],
    ]);
    let i = 0;
    const mixed = PRETTY.replace(/\n/g, () => ['\r\n', '\r', '\n'][i++ % 3]!);
    for (const doc of [PRETTY.replace(/\n/g, '\r\n'), PRETTY.replace(/\n/g, '\r'), mixed]) {
      expect(lines(await parse([doc])), JSON.stringify(doc)).toEqual(want);
      for (let cut = 1; cut < doc.length; cut++) {
        expect(lines(await parse([doc.slice(0, cut), doc.slice(cut)])), `${JSON.stringify(doc)} cut at ${cut}`).toEqual(want);
      }
    }
    expect(lines(await parse(['[\r{"id":1},\r{"id":"x"}\r]']))).toEqual([
      [2, 1],
      [3, 2],
    ]);
    // A syntax error's line, inside an element and between elements.
    expect(await parseError(['[\r  {"id": 1},\r\n  {"id": 2,\r   "x" 1}\r]'])).toBe('data.json:4: invalid JSON near record 2: Unexpected number');
    expect(await parseError(['[{"id":1}\r\n\r{"id":2}]'])).toBe(
      'data.json:3: invalid JSON near record 1: expected \',\' or \']\' after record 1, got "{\\"id\\":2}]"',
    );
  });

  it('reads an empty array, and an empty input, as no records', async () => {
    expect(await parse(['[]'])).toEqual([]);
    expect(await parse([' [ \n ] \n'])).toEqual([]);
    expect(await parse([''])).toEqual([]);
  });

  it('makes an element that is not an object a rejected record', async () => {
    const records = await parse(['[{"id":1}, [1,2], "s", 42, null, true, {"id":2}]']);
    expect(records.map((r) => [r.recordNo, r.raw, r.parseError?.message])).toEqual([
      [1, undefined, undefined],
      [2, '[1,2]', 'expected a JSON object, got an array'],
      [3, '"s"', 'expected a JSON object, got a string'],
      [4, '42', 'expected a JSON object, got a number'],
      [5, 'null', 'expected a JSON object, got null'],
      [6, 'true', 'expected a JSON object, got a boolean'],
      [7, undefined, undefined],
    ]);
    expect(records[1]).toMatchObject({ data: {}, parseError: { code: 'not_an_object' } });
  });

  it('rejects an element nested deeper than 100 levels', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const records = await parse([`[${deep(100)},\n${deep(101)}]`]);
    expect(records[0]!.parseError).toBeUndefined();
    expect(records[1]).toMatchObject({ line: 2, recordNo: 2, data: {}, parseError: { code: 'too_deep' } });
  });

  it('marks records of a CSV-born error report as text', async () => {
    const records = await parse(['[{"_barge_text":true,"price":"1.5"},{"price":1.5}]']);
    expect(records.map((r) => [r.text, r.data])).toEqual([
      [true, { _barge_text: true, price: '1.5' }],
      [false, { price: 1.5 }],
    ]);
  });

  it('refuses a top level that is not an array', async () => {
    expect(await parseError(['{"id":1}\n{"id":2}\n'])).toBe(
      'data.json: expected a JSON array of objects at the top level, got an object; if it holds one object per line, use --format ndjson',
    );
    expect(await parseError(['  42'])).toBe('data.json: expected a JSON array of objects at the top level, got a number');
    expect(await parseError(['"x"'])).toBe('data.json: expected a JSON array of objects at the top level, got a string');
  });

  it('stops at a syntax error inside an element, naming its line and record', async () => {
    expect(await parseError(['[\n  {"id": 1},\n  {"id": 2,\n   "x": tru}\n]'])).toBe(
      "data.json:3: invalid JSON near record 2: Unexpected token '}'",
    );
    expect(await parseError(['[\n  {"id": 1},\n  {"id": 2,\n   "x" 1}\n]'])).toBe(
      "data.json:4: invalid JSON near record 2: Unexpected number",
    );
  });

  it('stops at a syntax error between elements', async () => {
    expect(await parseError(['[{"id":1}\n{"id":2}]'])).toBe(
      'data.json:2: invalid JSON near record 1: expected \',\' or \']\' after record 1, got "{\\"id\\":2}]"',
    );
    expect(await parseError(['[{"id":1},]'])).toBe("data.json:1: invalid JSON near record 1: a ',' followed by ']' (a trailing comma)");
    expect(await parseError(['[{"id":1}] x'])).toBe('data.json:1: invalid JSON near record 1: unexpected "x" after the closing \']\'');
  });

  it('stops at a truncated array', async () => {
    expect(await parseError(['[\n{"id":1},\n{"id":'])).toBe(
      'data.json:3: invalid JSON near record 2: unexpected end of input, the array is not closed (is the file truncated?)',
    );
    expect(await parseError(['[{"id":1}'])).toBe(
      'data.json:1: invalid JSON near record 1: unexpected end of input, the array is not closed (is the file truncated?)',
    );
  });

  it('stops at invalid UTF-8 naming the line', async () => {
    const bytes = Buffer.concat([Buffer.from('[\n{"id":1},\n{"name":"'), Buffer.from([0xff]), Buffer.from('"}]')]);
    expect(await parseError([bytes])).toBe(
      'data.json:3: invalid UTF-8 at byte 21; pass --encoding latin1 (or utf16le) if the file is not UTF-8',
    );
  });

  it('streams a 200k-element array from a file', async () => {
    const path = join(dir, 'big.json');
    const out = createWriteStream(path);
    out.write('[\n');
    const n = 200_000;
    for (let i = 1; i <= n; i++) {
      out.write(`  {"id": ${i}, "name": "item ${i}", "price": ${i * 1.5}, "tags": ["a", "b"]}${i < n ? ',' : ''}\n`);
    }
    out.end(']\n');
    await finished(out);
    const input = await openInput(path, options);
    expect(input.format).toBe('json');
    let count = 0;
    let batches = 0;
    let last: SourceRecord | undefined;
    for await (const batch of readRecords(input, options)) {
      batches++;
      count += batch.length;
      last = batch[batch.length - 1];
    }
    expect(count).toBe(n);
    expect(batches).toBeGreaterThan(100); // streamed chunk by chunk, not read whole
    expect(last).toEqual({
      input: path,
      line: n + 1,
      recordNo: n,
      text: false,
      data: { id: n, name: `item ${n}`, price: n * 1.5, tags: ['a', 'b'] },
    });
    expect(input.bytesRead()).toBe(input.size);
  });
});
