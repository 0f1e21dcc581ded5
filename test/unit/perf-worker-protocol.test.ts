import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { packChunk, unpackChunk } from '../../src/pipeline/packed-chunk.js';
import { RecordStore, unpackRecords } from '../../src/pipeline/packed-records.js';
import type { ValidatedChunk } from '../../src/pipeline/validated-source.js';
import { openReadable } from '../../src/source/open-input.js';
import { readRecords } from '../../src/source/read-records.js';
import type { InputFormat, SourceOptions, SourceRecord } from '../../src/source/types.js';
import { seededRandom } from '../helpers/random.js';

const random = seededRandom;

const AWKWARD_STRINGS = ['', 'a', 'Crème brûlée', '日本語', '😀 emoji', 'a,b "c"\nd\r\n', '\u0000nul', '\ud800 lone', 'x'.repeat(300)];
const AWKWARD_VALUES: unknown[] = [
  ...AWKWARD_STRINGS, 0, -0, 1, -1, 1.5, 2 ** 53 - 1, -(2 ** 53), 1e-300, Number.MAX_VALUE, null,
  2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n,
];

function randomChunk(next: () => number, id: number, width: number): ValidatedChunk {
  const count = Math.floor(next() * 40);
  const chunk: ValidatedChunk = { id, rows: [], errors: [], records: [] };
  for (let i = 0; i < count; i++) {
    if (next() < 0.1) {
      chunk.rows.push(null);
      chunk.errors.push([{ column: 'c0', code: 'type', message: `bad ${i}`, value: 'x' }]);
      chunk.records.push({ input: 'in.csv', line: i + 2, recordNo: i + 1, text: true, data: { c0: 'x' } });
      continue;
    }
    const row: unknown[] = [];
    for (let c = 0; c < width; c++) row.push(AWKWARD_VALUES[Math.floor(next() * AWKWARD_VALUES.length)]);
    chunk.rows.push(row);
    chunk.errors.push(null);
    chunk.records.push(undefined);
  }
  return chunk;
}

describe('packChunk / unpackChunk', () => {
  it('gives back the same rows, errors and rejected records, value for value (-0 and bigints included)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const width = 1 + Math.floor(next() * 12);
      const chunk = randomChunk(next, seed, width);
      const unpacked = unpackChunk(packChunk(chunk, width, undefined));
      expect(unpacked.id, `seed ${seed}`).toBe(chunk.id);
      expect(unpacked.rows, `seed ${seed}`).toEqual(chunk.rows);
      expect(unpacked.errors, `seed ${seed}`).toEqual(chunk.errors);
      expect(unpacked.records, `seed ${seed}`).toEqual(chunk.records);
      // toEqual does not tell -0 from 0, nor a number from a bigint of the same value.
      chunk.rows.forEach((row, i) => row?.forEach((value, c) => expect(Object.is(unpacked.rows[i]![c], value), `seed ${seed}`).toBe(true)));
    }
  });

  it('reuses a spare buffer that is large enough, and allocates when it is not', () => {
    const next = random(7);
    const chunk = randomChunk(next, 0, 10);
    const spare = new ArrayBuffer(1 << 20);
    expect(packChunk(chunk, 10, spare).buffer).toBe(spare);
    const small = new ArrayBuffer(1);
    const packed = packChunk({ id: 1, rows: [[1, 'a']], errors: [null], records: [undefined] }, 2, small);
    expect(packed.buffer).not.toBe(small);
    expect(unpackChunk(packed).rows).toEqual([[1, 'a']]);
  });

  it('keeps a value of any other type as it is', () => {
    const odd = [Buffer.from('ab'), { a: 1 }, true];
    const unpacked = unpackChunk(packChunk({ id: 0, rows: [odd, [1, 2, 3]], errors: [null, null], records: [undefined, undefined] }, 3, undefined));
    expect(unpacked.rows).toEqual([odd, [1, 2, 3]]);
  });
});

async function readAll(format: InputFormat, text: string, keepSource: boolean): Promise<SourceRecord[][]> {
  const options: SourceOptions = { header: true, encoding: 'utf8', format, keepSource };
  const bytes = Buffer.from(text);
  // Small pieces, so that records come in several chunks.
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 97) pieces.push(bytes.subarray(i, i + 97));
  const input = await openReadable(Readable.from(pieces), { name: `in.${format}`, path: `in.${format}` }, options);
  const chunks: SourceRecord[][] = [];
  for await (const chunk of readRecords(input, options)) chunks.push(chunk);
  return chunks;
}

/** The records as the parser gives them without keepSource: what a report must show. */
async function expectKeptExactly(format: InputFormat, text: string): Promise<void> {
  const plain = (await readAll(format, text, false)).flat();
  const chunks = await readAll(format, text, true);
  const back: SourceRecord[] = [];
  const store = new RecordStore();
  let previous: ReturnType<RecordStore['pack']> | undefined;
  for (const chunk of chunks) {
    // Each chunk's buffer is the previous one's, given back: reuse must not mix them up.
    if (previous) store.release(previous);
    const packed = store.pack(chunk);
    previous = packed;
    const all = chunk.map((_, i) => i);
    back.push(...unpackRecords(packed, all));
    // Any subset, in any order, gives the same records.
    const some = all.filter((i) => i % 3 !== 1).reverse();
    expect(unpackRecords(packed, some)).toEqual(some.map((i) => back[back.length - chunk.length + i]));
  }
  expect(back).toEqual(plain);
  // -0 and Infinity (JSON's 1e309) survive: they are parsed again from the text as read.
  back.forEach((record, i) => {
    for (const key of Object.keys(record.data)) {
      const value = record.data[key];
      if (typeof value !== 'object' || value === null) expect(Object.is(value, plain[i]!.data[key])).toBe(true);
    }
  });
}

describe('packRecords / unpackRecords', () => {
  it('keeps CSV records by their fields, ragged rows as they are', async () => {
    const lines = ['id,name,"odd, name"'];
    for (let i = 1; i <= 60; i++) {
      const name = AWKWARD_STRINGS[i % AWKWARD_STRINGS.length]!.replaceAll('"', '""').replaceAll('\u0000', '');
      lines.push(i % 17 === 0 ? `${i},only two` : `${i},"${name}",${i % 5 === 0 ? '' : 'v' + i}`);
    }
    await expectKeptExactly('csv', lines.join('\n') + '\n');
  });

  it('keeps CSV records whose header names are integers (object key order) exactly', async () => {
    await expectKeptExactly('csv', 'b,2,a,1\nx,y,z,w\n,,,\n');
  });

  it('keeps NDJSON records by their text: -0, 1e309, nesting, report-born records, bad lines', async () => {
    const lines = [
      '{"id":1,"v":-0,"big":1e309,"n":null,"nested":{"a":[1,{"b":"c"}]}}',
      '{"id":2,"_barge_text":true,"price":"1.5","_barge_line":4}',
      'not json',
      '[1,2]',
      '{"__proto__":{"x":1},"id":3}',
      '{"2":"two","1":"one","id":4}',
    ];
    for (let i = 5; i < 50; i++) lines.push(JSON.stringify({ id: i, s: AWKWARD_STRINGS[i % AWKWARD_STRINGS.length] }));
    await expectKeptExactly('ndjson', lines.join('\n') + '\n');
  });

  it('keeps JSON array records by their text', async () => {
    const items = ['{"id":1,"v":-0}', '{"id":2,"big":-1e309}', '7', '{"id":3,"s":"a\\nb"}'];
    await expectKeptExactly('json', `[\n${items.join(',\n')}\n]\n`);
  });
});
