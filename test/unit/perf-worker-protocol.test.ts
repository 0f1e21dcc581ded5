import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { packChunk, unpackChunk } from '../../src/pipeline/packed-chunk.js';
import { RecordStore, unpackRecords, type PackedRecords } from '../../src/pipeline/packed-records.js';
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

async function readAll(format: InputFormat, text: string, keepSource: boolean, more: Partial<SourceOptions> = {}): Promise<SourceRecord[][]> {
  const options: SourceOptions = { header: true, encoding: 'utf8', format, keepSource, ...more };
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
async function expectKeptExactly(format: InputFormat, text: string, more: Partial<SourceOptions> = {}): Promise<PackedRecords[]> {
  const plain = (await readAll(format, text, false, more)).flat();
  const chunks = await readAll(format, text, true, more);
  const packs: PackedRecords[] = [];
  const back: SourceRecord[] = [];
  const store = new RecordStore();
  let previous: ReturnType<RecordStore['pack']> | undefined;
  for (const chunk of chunks) {
    // Each chunk's buffer is the previous one's, given back: reuse must not mix them up.
    if (previous) store.release(previous);
    const packed = store.pack(chunk);
    previous = packed;
    packs.push({ ...packed, buffer: packed.buffer.slice(0) });
    const all = chunk.map((_, i) => i);
    back.push(...unpackRecords(packed, all));
    // Any subset, in any order, gives the same records.
    const some = all.filter((i) => i % 3 !== 1).reverse();
    expect(unpackRecords(packed, some)).toEqual(some.map((i) => back[back.length - chunk.length + i]));
  }
  // `csv` (how the input was read) is not kept: the report needs the data, not the dialect. A
  // JSON record kept by its text gives that text back (`source`), for its report entry.
  expect(back.map(({ source: _source, ...record }) => record)).toEqual(plain.map(({ csv: _csv, ...record }) => record));
  const read = chunks.flat();
  back.forEach((record, i) => {
    if (record.source !== undefined) expect(record.source).toBe(read[i]!.source);
    if (format === 'csv' || format === 'tsv') expect(record.source).toBeUndefined();
  });
  if (format === 'ndjson' || format === 'json') expect(back.some((record) => record.source !== undefined)).toBe(true);
  // -0 and Infinity (JSON's 1e309) survive: they are parsed again from the text as read.
  back.forEach((record, i) => {
    for (const key of Object.keys(record.data)) {
      const value = record.data[key];
      if (typeof value !== 'object' || value === null) expect(Object.is(value, plain[i]!.data[key])).toBe(true);
    }
  });
  return packs;
}

/** How many records of these packs are kept by their text, by their fields, as they are. */
function keptBy(packs: PackedRecords[]): { source: number; fields: number; asIs: number } {
  const found = { source: 0, fields: 0, asIs: 0 };
  for (const packed of packs) {
    const modes = new Uint8Array(packed.buffer, packed.count * 16 + packed.count * packed.width * 4, packed.count);
    for (const mode of modes) {
      if (mode === 0) found.fields++;
      else if (mode === 1) found.source++;
      else found.asIs++;
    }
  }
  return found;
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
    const packs = await expectKeptExactly('csv', 'b,2,a,1\nx,y,z,w\n,,,\n"q""1",",",,"\n"\n');
    expect(keptBy(packs)).toEqual({ source: 2, fields: 1, asIs: 0 });
  });

  it('keeps a CSV record by its text unless a field holds a line break, the text starts with a BOM, or a read splits it', async () => {
    const lines = ['\ufeffid,"na""me",v'];
    lines.push('1,"a ""quoted"", b",x');
    lines.push('2,"two\nlines",y');
    lines.push('\ufeff3,bom,z');
    lines.push('4,,');
    lines.push('5,"",""');
    lines.push('6,"tail","' + 'long '.repeat(30) + '"');
    const packs = await expectKeptExactly('csv', lines.join('\r\n') + '\r\n');
    const by = keptBy(packs);
    // Read in pieces of 97 bytes, so the long record and some others are split across reads.
    expect(by.asIs).toBe(0);
    expect(by.fields).toBeGreaterThanOrEqual(2);
    expect(by.source).toBeGreaterThanOrEqual(2);
    expect(by.source + by.fields).toBe(6);
  });

  it('keeps CSV records of mixed line ends by their text: a line break outside quotes always ends a record', async () => {
    // Every record is a whole line, kept by its text; the last one too, since a record whose LF
    // ends what has arrived is handed on at once (only a trailing CR waits, for a possible LF).
    let packs = await expectKeptExactly('csv', 'a,b\r\n1,x\ny,v\r2,z\r\n3,w\n');
    expect(keptBy(packs)).toEqual({ source: 4, fields: 0, asIs: 0 });
    // A field holding a line break (1's "x\ry") is kept by its fields; the others by their text.
    packs = await expectKeptExactly('csv', 'a,b\n1,"x\ry"\r\n2,z\r3,w\n');
    expect(keptBy(packs)).toEqual({ source: 2, fields: 1, asIs: 0 });
  });

  it('keeps TSV records (quotes are data) by their text, a last record without a line break by its fields', async () => {
    const packs = await expectKeptExactly('tsv', 'a\tb\n"x\ty"\n1\t"2\n3\t4');
    expect(keptBy(packs)).toEqual({ source: 2, fields: 1, asIs: 0 });
    await expectKeptExactly('csv', 'a,b\n1,2\n3,', { delimiter: ',' });
    await expectKeptExactly('csv', 'a;b\n"1;";2\n', { delimiter: ';' });
  });

  it('keeps random CSV records exactly, whatever the quoting and where the reads split them', async () => {
    const atoms = ['a', ',', '"', '""', ' ', '\n', '\r\n', '\r', 'é', '😀', '\ufeff', 'x,y', ''];
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const width = 1 + Math.floor(next() * 4);
      const field = () => {
        let value = '';
        const n = Math.floor(next() * 4);
        for (let k = 0; k < n; k++) value += atoms[Math.floor(next() * atoms.length)];
        return next() < 0.5 || /[",\r\n]/.test(value) || value.startsWith('\ufeff') ? `"${value.replaceAll('"', '""')}"` : value;
      };
      const lines = [Array.from({ length: width }, (_, i) => `c${i}`).join(',')];
      for (let r = 0; r < 40; r++) lines.push(Array.from({ length: width }, field).join(','));
      const eol = seed % 2 === 0 ? '\n' : '\r\n';
      await expectKeptExactly('csv', lines.join(eol) + eol);
    }
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

  it('keeps NDJSON records by their text when a chunk starts with a line that did not parse', async () => {
    // The chunk took its shape from its first record: a bad line (no text kept, no fields)
    // made it one of no slots, and every later record's text length landed in the same slot.
    const lines = ['not json', '[1,2]', '{"id":1,"s":"a"}', '{"id":2', '{"id":3,"s":"b"}'];
    for (let i = 4; i < 40; i++) lines.push(i % 9 === 0 ? `{"id":${i},` : JSON.stringify({ id: i, s: 'x'.repeat(i) }));
    const packs = await expectKeptExactly('ndjson', lines.join('\r\n') + '\r\n');
    expect(keptBy(packs)).toEqual({ source: 34, fields: 0, asIs: 7 });
  });

  it('keeps JSON array records by their text', async () => {
    const items = ['{"id":1,"v":-0}', '{"id":2,"big":-1e309}', '7', '{"id":3,"s":"a\\nb"}'];
    await expectKeptExactly('json', `[\n${items.join(',\n')}\n]\n`);
  });
});

describe('WorkerSource (the import\'s side of the validation worker)', () => {
  it('rejects a fetch of records the worker fails on, instead of leaving the import waiting', async () => {
    // The built module: its worker is dist/pipeline/validation-worker.js (npm test builds first).
    const { WorkerSource } = await import('../../dist/pipeline/worker-source.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-worker-source-'));
    const file = path.join(dir, 'items.ndjson');
    fs.writeFileSync(file, '{"id":1}\n{"id":2}\n');
    const source = new WorkerSource({
      paths: [file],
      source: { header: true, encoding: 'utf8', format: 'ndjson' },
      spec: { table: 'items', columns: { id: { type: 'integer', required: true } } },
      skip: 0,
    });
    try {
      const chunk = await source.next();
      expect(chunk.rows).toEqual([[1], [2]]);
      // A chunk the worker never kept: looking it up throws in the worker, which stops. Before,
      // nothing settled this promise, and an import awaiting it ended with exit code 13, silently.
      const ghost = { id: 999, rows: [null], errors: [null], records: [undefined] };
      const failure: unknown = await source.recordsAt([{ chunk: ghost, index: 0 }]).then(() => 'resolved', (error: unknown) => error);
      // The worker's own error, brought back whole: its unpacking of the unknown chunk failed.
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toBe("Cannot destructure property 'keys' of 'packed' as it is undefined.");
      // And the import's next read fails with that same error rather than waiting.
      await expect(source.next()).rejects.toBe(failure);
    } finally {
      await source.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 10_000);
});
