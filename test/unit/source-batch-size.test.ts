import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RECORDS_PER_BATCH } from '../../src/source/limits.js';
import { openReadable } from '../../src/source/open-input.js';
import { readRecords } from '../../src/source/read-records.js';
import { pieceEnd } from '../../src/source/text-pieces.js';
import type { InputFormat, SourceOptions, SourceRecord } from '../../src/source/types.js';

/** The text as a file gives it: 64 KB reads. */
async function batchesOf(format: InputFormat, text: string, more: Partial<SourceOptions> = {}): Promise<SourceRecord[][]> {
  const options: SourceOptions = { header: true, encoding: 'utf8', format, ...more };
  const bytes = Buffer.from(text);
  const reads: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 64 * 1024) reads.push(bytes.subarray(at, at + 64 * 1024));
  const input = await openReadable(Readable.from(reads), { name: `in.${format}`, path: `in.${format}` }, options);
  const batches: SourceRecord[][] = [];
  for await (const batch of readRecords(input, options)) batches.push(batch);
  return batches;
}

/** Every batch after the first read's: at most this many records (a piece runs to the line break after its share). */
const MOST_PER_BATCH = 2 * RECORDS_PER_BATCH;

describe('short records go on about RECORDS_PER_BATCH at a time, not a whole 64 KB read of them', () => {
  const COUNT = 50_000;

  it('CSV: one-column records, each kept with its text as read, lines and numbers exact', async () => {
    const text = 'id\n' + Array.from({ length: COUNT }, (_, i) => `${i}\n`).join('');
    const batches = await batchesOf('csv', text, { keepSource: true });
    const records = batches.flat();
    expect(records.length).toBe(COUNT);
    // The first read is handed on whole (no record length known yet): ~13,000 records of 64 KB.
    expect(batches[0]!.length).toBeGreaterThan(10_000);
    expect(Math.max(...batches.slice(1).map((b) => b.length))).toBeLessThanOrEqual(MOST_PER_BATCH);
    expect(batches.length).toBeGreaterThan(COUNT / MOST_PER_BATCH);
    records.forEach((record, i) => {
      expect([record.line, record.recordNo, record.data.id]).toEqual([i + 2, i + 1, String(i)]);
    });
    // Its text is kept unless a 64 KB read split it (then its fields are: packed-records.ts); a
    // piece never does, ending at a line break.
    const withoutText = records.filter((record) => record.source === undefined);
    expect(withoutText.length).toBeLessThanOrEqual(Math.ceil(text.length / (64 * 1024)));
    expect(records.filter((record) => record.source !== undefined && record.source !== record.data.id)).toEqual([]);
  });

  it('CSV: quoted fields with line breaks among short records read the same as one piece would', async () => {
    const rows = Array.from({ length: COUNT }, (_, i) => (i % 997 === 0 ? `${i},"two\nlines, ""quoted"""\n` : `${i},x\n`));
    const batches = await batchesOf('csv', 'id,note\n' + rows.join(''));
    const records = batches.flat();
    expect(Math.max(...batches.slice(1).map((b) => b.length))).toBeLessThanOrEqual(MOST_PER_BATCH);
    let line = 2;
    records.forEach((record, i) => {
      const note = i % 997 === 0 ? 'two\nlines, "quoted"' : 'x';
      expect([record.line, record.recordNo, record.data]).toEqual([line, i + 1, { id: String(i), note }]);
      line += i % 997 === 0 ? 2 : 1;
    });
    expect(records.length).toBe(COUNT);
  });

  it('NDJSON: tiny lines, CRLF, blank lines counted', async () => {
    const lines = Array.from({ length: COUNT }, (_, i) => (i % 1000 === 999 ? '\r\n' : `{"id":${i}}\r\n`));
    const batches = await batchesOf('ndjson', lines.join(''), { keepSource: true });
    expect(Math.max(...batches.map((b) => b.length))).toBe(RECORDS_PER_BATCH);
    const records = batches.flat();
    const expected = lines.flatMap((l, i) => (l === '\r\n' ? [] : [{ line: i + 1, id: i, source: `{"id":${i}}` }]));
    expect(records.map((r) => ({ line: r.line, id: r.data.id, source: r.source }))).toEqual(expected);
    expect(records.map((r) => r.recordNo)).toEqual(expected.map((_, i) => i + 1));
  });

  it('JSON: an array of small objects on one line (no line break to cut at) and on many', async () => {
    for (const separator of [',', ',\n']) {
      const text = '[' + Array.from({ length: COUNT }, (_, i) => `{"id":${i},"s":"a,b]}"}`).join(separator) + ']\n';
      const batches = await batchesOf('json', text);
      expect(Math.max(...batches.slice(1).map((b) => b.length))).toBeLessThanOrEqual(MOST_PER_BATCH);
      const records = batches.flat();
      expect(records.map((r) => [r.recordNo, r.data.id, r.data.s])).toEqual(Array.from({ length: COUNT }, (_, i) => [i + 1, i, 'a,b]}']));
      expect(records.map((r) => r.line)).toEqual(Array.from({ length: COUNT }, (_, i) => (separator === ',' ? 1 : i + 1)));
    }
  });

  it('records as long as the benchmark\'s are not cut: a 64 KB read is one batch', async () => {
    const row = (i: number) => `${i},${'n'.repeat(130)}\n`;
    const batches = await batchesOf('csv', 'id,name\n' + Array.from({ length: 2000 }, (_, i) => row(i)).join(''));
    // 64 KB holds ~480 such records; the reads' records come as they are.
    expect(batches.length).toBe(5);
    expect(batches.flat().length).toBe(2000);
  });
});

describe('pieceEnd', () => {
  const text = 'x\n'.repeat(10_000);

  it('takes the whole chunk while no record length is known', () => {
    expect(pieceEnd(text, 0, undefined, false)).toBe(text.length);
  });

  it('ends a piece after the first line break past its share, at least 4096 characters', () => {
    // 2 characters a record: a share of 2048, below the least piece.
    expect(pieceEnd(text, 0, 2, false)).toBe(4098);
    expect(pieceEnd(text, 100, 2, false)).toBe(4198);
    expect(pieceEnd(text, 0, 10, false)).toBe(10_242);
  });

  it('takes the rest when little would be left after the piece', () => {
    expect(pieceEnd(text, text.length - 6000, 2, false)).toBe(text.length);
  });

  it('with no line break near: CSV runs to the chunk\'s end, JSON is cut at its share', () => {
    const oneLine = 'y'.repeat(50_000);
    expect(pieceEnd(oneLine, 0, 2, false)).toBe(50_000);
    expect(pieceEnd(oneLine, 0, 2, true)).toBe(4096);
  });
});
