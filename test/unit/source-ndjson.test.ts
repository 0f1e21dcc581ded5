import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { findJsonSyntaxError } from '../../src/source/json-syntax-error.js';
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
      parseError: { code: 'invalid_json', message: "not valid JSON: expected a property name in double quotes, got ',' at column 10" },
    });
    expect(records[2]).toMatchObject({ line: 3, recordNo: 3, data: { id: 3 } });
  });

  it('keeps the reason short, naming the column of an unexpected token (V8 names none)', async () => {
    const [record] = await parse(['{"id": x, "long": "' + 'y'.repeat(500) + '"}\n']);
    expect(record!.parseError).toEqual({
      code: 'invalid_json',
      message: "not valid JSON: expected a value, got 'x' at column 8; put text in double quotes",
    });
    const [word] = await parse([`{"id": ${'x'.repeat(100_000)}}`]);
    expect(word!.parseError!.message).toBe(`not valid JSON: expected a value, got '${'x'.repeat(20)}...' at column 8; put text in double quotes`);
  });

  it('names the exact column of the first offending character, and what was expected there', async () => {
    const cases: Array<[string, string]> = [
      ['{"id": 1, "name": "a", "ok": tru}', "expected a value, got 'tru' at column 30; did you mean true?"],
      ['{"id": 1, "ok": True}', "expected a value, got 'True' at column 17; write true, false and null in lower case"],
      ['{"id": 1, "n": NaN}', "expected a value, got 'NaN' at column 16; write null (JSON has no NaN)"],
      ['{"id": 1, "zip": 02134}', "expected a number without a leading zero, got '02134' at column 18; put it in double quotes to keep it as text"],
      ['{"id": 1 "x": 2}', `expected ',' or '}' after a property value, got '"' at column 10; is a ',' missing?`],
      ['{"id": 1, "x" 2}', "expected ':' after a property name, got '2' at column 15"],
      ['{"id": 1, "x": 2,}', "expected a property name in double quotes, got '}' at column 18; remove the trailing comma"],
      ["{'id': 1}", `expected a property name in double quotes, got "'" at column 2; put property names in double quotes, not single ones`],
      ['{id: 1}', "expected a property name in double quotes, got 'id' at column 2; put property names in double quotes"],
      ['{"tags": [1, 2,]}', "expected a value, got ']' at column 16; remove the trailing comma"],
      ['{"tags": [1 2]}', "expected ',' or ']' after an array element, got '2' at column 13; is a ',' missing?"],
      ['{"p": 1.}', "expected a digit after '.', got '}' at column 9"],
      ['{"p": -}', "expected a digit after '-', got '}' at column 8"],
      ['{"p": 1e+}', "expected a digit in the exponent, got '}' at column 10"],
      ['{"s": "a\\qb"}', "expected one of \" \\ / b f n r t u after '\\', got 'q' at column 10; write a backslash as \\\\"],
      ['{"s": "\\u12G4"}', "expected 4 hex digits after '\\u', got 'G' at column 12"],
      ['{"s": "cut off', `expected '"' to close the string, got the end of the line at column 15`],
      ['{"id": 1,', 'expected a property name in double quotes, got the end of the line at column 10'],
      ['{"id": 1}{"id": 2}', "expected the end of the line, got '{' at column 10; NDJSON holds one object per line"],
      ['{"id": 1}}', "expected the end of the line, got '}' at column 10"],
      // Columns count UTF-16 code units, as V8's positions do: the rocket is two.
      ['{"name": "Zoë 🚀" x}', "expected ',' or '}' after a property value, got 'x' at column 19; is a ',' missing?"],
    ];
    const records = await parse([cases.map(([line]) => line).join('\n')]);
    expect(records.map((r) => r.parseError?.message)).toEqual(cases.map(([, reason]) => `not valid JSON: ${reason}`));
  });

  it('never puts a raw control or invisible character into a message', async () => {
    const records = await parse([
      '{"id":1}\n{"id":tru\r}\n{"id":tru\t}\n{"name":"a\tb"}\n{"name":"a\rb"}\n{"id":\u0001}\n{"id":\u202e1}\n{"id":\u00a01}\n{"id":1}\u2028\n',
    ]);
    expect(records.map((r) => [r.line, r.parseError?.message])).toEqual([
      [1, undefined],
      [2, "not valid JSON: expected a value, got 'tru' at column 7; did you mean true?"],
      [3, "not valid JSON: expected a value, got 'tru' at column 7; did you mean true?"],
      [4, "not valid JSON: unescaped '\\t' inside a string at column 11; write it as \\t"],
      [5, "not valid JSON: unescaped '\\r' inside a string at column 11; write it as \\r"],
      [6, 'not valid JSON: expected a value, got U+0001 at column 7'],
      [7, 'not valid JSON: expected a value, got U+202E at column 7'],
      [8, 'not valid JSON: expected a value, got U+00A0 at column 7'],
      [9, 'not valid JSON: expected the end of the line, got U+2028 at column 9'],
    ]);
    // The record keeps its text exactly as read.
    expect(records[1]!.raw).toBe('{"id":tru\r}');
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
      parseError: { code: 'too_deep', message: 'nested deeper than 100 levels (field "a"); barge reads at most 100: flatten the value, or give it as a JSON string' },
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
      message: 'events.ndjson:2: invalid UTF-8 at column 10 (byte offset 18 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
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

describe('findJsonSyntaxError', () => {
  const context = { end: 'the end', afterValue: 'the end' };

  it('finds an error exactly when JSON.parse throws, at V8\'s position when V8 gives one', () => {
    // Seeded mutations (insert, delete, replace a character) of valid JSON texts.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = [...'{}[],:"\\u019-+.eEtrufalsn \n\t\raxAF\'/', '\u0001', 'é', '🚀'];
    const seeds = ['{"a":1,"b":[true,false,null,-1.5e+3,"x\\n\\u00e9"],"c":{"d":"\\"\\\\\\/"}}', '[]', '{}', '-0.0E-0', ' {"a" : [ 1 , [2] ] } '];
    let failures = 0;
    for (let round = 0; round < 30_000; round++) {
      let text = seeds[random(seeds.length)]!;
      for (let edits = 1 + random(3); edits > 0; edits--) {
        const at = random(text.length + 1);
        const ch = alphabet[random(alphabet.length)]!;
        const op = random(3);
        text = text.slice(0, at) + (op === 1 ? '' : ch) + text.slice(op === 0 ? at : at + 1);
      }
      let position: number | undefined | null = null;
      try {
        JSON.parse(text);
      } catch (error) {
        const m = / at position (\d+)/.exec((error as Error).message);
        position = m === null ? undefined : Number(m[1]);
      }
      const found = findJsonSyntaxError(text, context);
      expect(found === undefined, JSON.stringify(text)).toBe(position === null);
      // A bad word or number is pointed at from its first character, V8 at the one that gives it away.
      if (found !== undefined && position != null && !/^expected (a value|a property name in double quotes), got '[\p{L}_$]|^expected a number without a leading zero/u.test(found.reason)) {
        expect(found.offset, JSON.stringify(text)).toBe(position);
      }
      if (found !== undefined) failures++;
    }
    expect(failures).toBeGreaterThan(10_000);
  });

  it('does not overflow on deep nesting', () => {
    const deep = '['.repeat(1_000_000) + '1' + ']'.repeat(999_999);
    expect(findJsonSyntaxError(deep, context)).toEqual({
      offset: deep.length,
      reason: "expected ',' or ']' after an array element, got the end",
    });
  });
});
