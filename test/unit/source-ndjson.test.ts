import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { openReadable } from '../../src/source/open-input.js';
import { parseNdjson } from '../../src/source/parse-ndjson.js';
import type { SourceOptions, SourceRecord } from '../../src/source/types.js';

const options: SourceOptions = { header: true, encoding: 'utf8', format: 'ndjson' };

async function parse(chunks: (string | Buffer)[], extra: Partial<SourceOptions> = {}) {
  const opts = { ...options, ...extra };
  const input = await openReadable(
    Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))),
    { name: 'events.ndjson', path: 'events.ndjson' },
    opts,
  );
  const records: SourceRecord[] = [];
  for await (const batch of parseNdjson(input, opts)) records.push(...batch);
  return records;
}

describe('parseNdjson', () => {
  it('reads one object per line with line and record numbers', async () => {
    expect(await parse(['{"id":1,"tags":["a"]}\n{"id":2,"price":1.5}\n'])).toEqual([
      { input: 'events.ndjson', line: 1, recordNo: 1, text: false, data: { id: 1, tags: ['a'] } },
      { input: 'events.ndjson', line: 2, recordNo: 2, text: false, data: { id: 2, price: 1.5 } },
    ]);
  });

  it('reads a long line that arrives in many pieces without a line break, CRLF and all', async () => {
    const body = 'y'.repeat(100_000);
    const text = `{"a":1}\r\n{"b":"${body}"}\r\n{"c":3}`;
    const pieces: string[] = [];
    for (let at = 0; at < text.length; at += 997) pieces.push(text.slice(at, at + 997));
    const records = await parse(pieces);
    expect(records.map((r) => [r.line, r.recordNo, Object.keys(r.data)[0]])).toEqual([[1, 1, 'a'], [2, 2, 'b'], [3, 3, 'c']]);
    expect(records[1]!.data.b).toBe(body);
  });

  it('skips blank lines but counts them', async () => {
    const records = await parse(['\n{"id":1}\n\n   \n{"id":2}\n\n']);
    expect(records.map((r) => [r.line, r.recordNo, r.data])).toEqual([
      [2, 1, { id: 1 }],
      [5, 2, { id: 2 }],
    ]);
  });

  it('handles CRLF and a last line without a newline', async () => {
    const records = await parse(['{"id":1}\r\n{"id":"a\\r\\nb"}\r\n{"id":3}']);
    expect(records.map((r) => [r.line, r.data])).toEqual([
      [1, { id: 1 }],
      [2, { id: 'a\r\nb' }],
      [3, { id: 3 }],
    ]);
  });

  it('makes a line that is not JSON a rejected record and goes on', async () => {
    const records = await parse(['{"id":1}\n{"id": 2,,}\n{"id":3}\n']);
    expect(records[1]).toEqual({
      input: 'events.ndjson',
      line: 2,
      recordNo: 2,
      text: false,
      data: {},
      raw: '{"id": 2,,}',
      parseError: { code: 'invalid_json', message: 'not valid JSON: Expected double-quoted property name at column 10' },
    });
    expect(records[2]).toMatchObject({ line: 3, recordNo: 3, data: { id: 3 } });
  });

  it('keeps the JSON.parse reason short', async () => {
    const [record] = await parse(['{"id": x, "long": "' + 'y'.repeat(500) + '"}\n']);
    expect(record!.parseError).toEqual({ code: 'invalid_json', message: "not valid JSON: Unexpected token 'x'" });
  });

  it('rejects values that are not objects', async () => {
    const records = await parse(['[1,2]\n42\n"s"\nnull\ntrue\n']);
    expect(records.map((r) => [r.line, r.raw, r.parseError])).toEqual([
      [1, '[1,2]', { code: 'not_an_object', message: 'expected a JSON object, got an array' }],
      [2, '42', { code: 'not_an_object', message: 'expected a JSON object, got a number' }],
      [3, '"s"', { code: 'not_an_object', message: 'expected a JSON object, got a string' }],
      [4, 'null', { code: 'not_an_object', message: 'expected a JSON object, got null' }],
      [5, 'true', { code: 'not_an_object', message: 'expected a JSON object, got a boolean' }],
    ]);
  });

  it('marks records of a CSV-born error report as text and keeps _barge fields', async () => {
    const [fromCsv, fromJson] = await parse([
      '{"_barge_text":true,"_barge_line":4,"price":"1.5"}\n{"_barge_line":7,"price":1.5}\n',
    ]);
    expect(fromCsv).toMatchObject({ text: true, data: { _barge_text: true, _barge_line: 4, price: '1.5' } });
    expect(fromJson).toMatchObject({ text: false, data: { _barge_line: 7, price: 1.5 } });
  });

  it('rejects a record nested deeper than 100 levels', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const records = await parse([`${deep(100)}\n${deep(101)}\n{"b":"${'['.repeat(300)}"}\n`]);
    expect(records[0]!.parseError).toBeUndefined();
    expect(records[1]).toMatchObject({
      line: 2,
      data: {},
      parseError: { code: 'too_deep', message: 'nested deeper than 100 levels' },
    });
    // Brackets inside a string are not nesting.
    expect(records[2]!.parseError).toBeUndefined();
  });

  it('keeps lines whole across any chunk boundary', async () => {
    const bytes = Buffer.from('{"name":"Zoë 🚀"}\r\n\r\n{"id":2}\n');
    const expected = await parse([bytes]);
    expect(expected.map((r) => [r.line, r.data])).toEqual([
      [1, { name: 'Zoë 🚀' }],
      [3, { id: 2 }],
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await parse([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('stops at invalid UTF-8 naming the line', async () => {
    const bytes = Buffer.concat([Buffer.from('{"id":1}\n{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const error = await parse([bytes]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BargeError);
    expect(error).toMatchObject({
      code: 'input',
      line: 2,
      message: 'events.ndjson:2: invalid UTF-8 at byte 18; pass --encoding latin1 (or utf16le) if the file is not UTF-8',
    });
  });

  it('decodes latin1', async () => {
    const records = await parse([Buffer.from('{"name":"Crème"}\n', 'latin1')], { encoding: 'latin1' });
    expect(records[0]!.data).toEqual({ name: 'Crème' });
  });

  it('yields nothing for an empty input', async () => {
    expect(await parse([])).toEqual([]);
    expect(await parse(['\n \n'])).toEqual([]);
  });
});
