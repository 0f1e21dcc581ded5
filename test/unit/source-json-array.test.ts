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
    expect(await parseError(['[\r  {"id": 1},\r\n  {"id": 2,\r   "x" 1}\r]'])).toBe(
      "data.json:4: invalid JSON near record 2: expected ':' after a property name, got '1' at column 8",
    );
    expect(await parseError(['[{"id":1}\r\n\r{"id":2}]'])).toBe(
      'data.json:3: invalid JSON near record 1: expected \',\' or \']\' after record 1, got "{\\"id\\":2}]" at column 1',
    );
  });

  it('reads an empty array as no records', async () => {
    expect(await parse(['[]'])).toEqual([]);
    expect(await parse([' [ \n ] \n'])).toEqual([]);
  });

  it('refuses an empty or whitespace-only input: a JSON input is one array, [] when empty', async () => {
    expect(await parseError([])).toBe('data.json: expected a JSON array of objects, got an empty input; a JSON input with no records is []');
    expect(await parseError([''])).toBe('data.json: expected a JSON array of objects, got an empty input; a JSON input with no records is []');
    expect(await parseError(['\ufeff'])).toBe('data.json: expected a JSON array of objects, got an empty input; a JSON input with no records is []');
    expect(await parseError([' \r\n', '\t\n'])).toBe('data.json: expected a JSON array of objects, got only whitespace; a JSON input with no records is []');
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
    expect(records[1]).toMatchObject({ line: 2, recordNo: 2, data: {}, parseError: { code: 'too_deep', message: 'nested deeper than 100 levels (field "a"); barge reads at most 100: flatten the value, or give it as a JSON string' } });
    // A deep value a duplicate key replaced is counted, but names no field.
    const dropped = await parse([`[{"b":${deep(100)},"b":1}]`]);
    expect(dropped[0]!.parseError).toEqual({ code: 'too_deep', message: 'nested deeper than 100 levels; barge reads at most 100: flatten the value, or give it as a JSON string' });
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
      `data.json: expected a JSON array of objects at the top level, got an object; if it holds one object per line, use --format ndjson; if its records are in an array under a key ({"data": [...]}), take them out first, e.g. jq -c '.data[]' data.json | barge import - --format ndjson …`,
    );
    expect(await parseError(['  42'])).toBe('data.json: expected a JSON array of objects at the top level, got a number');
    expect(await parseError(['"x"'])).toBe('data.json: expected a JSON array of objects at the top level, got a string');
  });

  it('stops at a syntax error inside an element, naming its record and the line and column of the offending character', async () => {
    expect(await parseError(['[\n  {"id": 1},\n  {"id": 2,\n   "x": tru}\n]'])).toBe(
      "data.json:4: invalid JSON near record 2: expected a value, got 'tru' at column 9; did you mean true?",
    );
    expect(await parseError(['[\n  {"id": 1},\n  {"id": 2,\n   "x" 1}\n]'])).toBe(
      "data.json:4: invalid JSON near record 2: expected ':' after a property name, got '1' at column 8",
    );
    // V8 says `Unexpected token '@'` with no position: the record's first line (2) was all barge could say.
    const far = '[\n  {"id": 1,\n   "name": "a",\n   "note": "b",\n   "x": 1,\n   "y": 2,\n   "z": @\n  }\n]\n';
    expect(await parseError([far])).toBe("data.json:7: invalid JSON near record 1: expected a value, got '@' at column 9");
    // On the element's first line, the column counts from the start of the line, not of the element.
    expect(await parseError(['[{"id": 1}, {"id": 2}, {"id": 3, "ok": yes}]'])).toBe(
      "data.json:1: invalid JSON near record 3: expected a value, got 'yes' at column 40; put text in double quotes",
    );
    expect(await parseError(['[1x]'])).toBe("data.json:1: invalid JSON near record 1: expected ',' or ']' after record 1, got 'x' at column 3");
  });

  it('gives the same line and column whatever the chunk boundaries and line breaks', async () => {
    const cases: Array<[string[], string]> = [
      // On the line where the element starts, after another element.
      [
        ['[', '  {"id": 1}, {"id": 2,', '   "ok": true}, {"id": 3, "ok": true, "x": {"y": [1, 2 3]}}', ']'],
        "data.json:3: invalid JSON near record 3: expected ',' or ']' after an array element, got '3' at column 56; is a ',' missing?",
      ],
      // On a later line of the element.
      [
        ['[', '  {"id": 1}, {"id": 2,', '', '   "ok": tru}', ']'],
        "data.json:4: invalid JSON near record 2: expected a value, got 'tru' at column 10; did you mean true?",
      ],
    ];
    for (const [lines, want] of cases) {
      for (const eol of ['\n', '\r\n', '\r']) {
        const doc = lines.join(eol);
        expect(await parseError([doc]), JSON.stringify(eol)).toBe(want);
        expect(await parseError([...doc]), `${JSON.stringify(doc)} one character a chunk`).toBe(want);
        for (let cut = 1; cut < doc.length; cut++) {
          expect(await parseError([doc.slice(0, cut), doc.slice(cut)]), `${JSON.stringify(doc)} cut at ${cut}`).toBe(want);
        }
      }
    }
  });

  it('never puts a raw control or invisible character into a message', async () => {
    // V8: `Unexpected token '<LF>'`, a message broken over two lines.
    expect(await parseError(['[\n  {"id": 1, "ok": true},\n  {"id": 2,\n   "ok": tru\n  }\n]\n'])).toBe(
      "data.json:4: invalid JSON near record 2: expected a value, got 'tru' at column 10; did you mean true?",
    );
    expect(await parseError(['[{"id": 1, "ok": \u0007}]'])).toBe('data.json:1: invalid JSON near record 1: expected a value, got U+0007 at column 18');
    expect(await parseError(['[{"id": 1, "name": "a\tb"}]'])).toBe(
      "data.json:1: invalid JSON near record 1: unescaped '\\t' inside a string at column 22; write it as \\t",
    );
    expect(await parseError(['[{"name": "two\nlines"}]'])).toBe(
      "data.json:1: invalid JSON near record 1: unescaped '\\n' inside a string at column 15; write it as \\n",
    );
    expect(await parseError(['[{"id": 1}\u202e]'])).toBe(
      'data.json:1: invalid JSON near record 1: expected \',\' or \']\' after record 1, got "\\u202E]" at column 11',
    );
    expect(await parseError(['[{"id": 1}]\u0000'])).toBe('data.json:1: invalid JSON near record 1: unexpected "\\u0000" after the closing \']\' at column 12');
  });

  it('stops at a syntax error between elements, naming its line and column', async () => {
    expect(await parseError(['[{"id":1}\n{"id":2}]'])).toBe(
      'data.json:2: invalid JSON near record 1: expected \',\' or \']\' after record 1, got "{\\"id\\":2}]" at column 1',
    );
    expect(await parseError(['[{"id":1},]'])).toBe("data.json:1: invalid JSON near record 1: expected a record after ',', got ']' at column 11; remove the trailing comma");
    // An empty element: it said "expected a value, got the end of the record".
    expect(await parseError(['[,{"id":1}]'])).toBe("data.json:1: invalid JSON near record 1: expected a record after '[', got ',' at column 2; remove the extra comma");
    expect(await parseError(['[\n{"id":1},\n\n   ,{"id":2}]'])).toBe("data.json:4: invalid JSON near record 2: expected a record after ',', got ',' at column 4; remove the extra comma");
    expect(await parseError(['[{"id":1}] x'])).toBe('data.json:1: invalid JSON near record 1: unexpected "x" after the closing \']\' at column 12');
    expect(await parseError(['\n  @'])).toBe('data.json:2: invalid JSON near record 1: expected a JSON array of objects at the top level, got "@" at column 3');
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
      'data.json:3: invalid UTF-8 at column 10 (byte offset 21 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
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
