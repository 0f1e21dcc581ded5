import type { FieldError, SchemaSpec } from '../schema/types.js';
import type { SourceOptions, SourceRecord } from '../source/types.js';
import type { ValidatedChunk } from './validated-source.js';

/** What the import gives its validation worker to start. */
export interface WorkerStart {
  paths: string[];
  source: SourceOptions;
  spec: SchemaSpec;
  skip: number;
}

export interface SerializedError {
  barge: boolean;
  code?: string;
  message: string;
  input?: string;
  line?: number;
  column?: string;
  stack?: string;
}

export type FromWorker =
  | { type: 'chunk'; chunk: PackedChunk; bytesRead: number }
  | { type: 'end'; bytesRead: number }
  | { type: 'error'; error: SerializedError }
  | { type: 'records'; requestId: number; records: SourceRecord[] };

export type ToWorker =
  | { type: 'ack'; buffer?: ArrayBuffer }
  | { type: 'fetch'; requestId: number; refs: Array<[chunkId: number, index: number]> }
  | { type: 'release'; beforeId: number };

/** Chunks the worker may have sent and the import not yet taken: bounds memory (backpressure). */
export const CHUNKS_IN_FLIGHT = 8;

// ---- packed chunks -------------------------------------------------------------------------

/**
 * A validated chunk as it crosses from the worker to the import: the accepted rows packed
 * into one ArrayBuffer (transferred, not copied) and one string, instead of an array of
 * arrays that postMessage would structured-clone value by value.
 *
 * Why: with rows as arrays, the worker spent ~27% of its time in postMessage (serializing)
 * and ~26% in GC (profile of a 1M-row CSV import, bench data), and the worker was the wall.
 *
 * Layout of `buffer`, for `count` records of `width` values:
 *   Float64Array numbers[count * width] | Uint32Array lengths[count * width] | Uint8Array tags[count * width]
 * A value's tag says where it is: a number in `numbers`, a string of `lengths[k]` UTF-16
 * code units next in `text`, a bigint as its digits in `text`, null, or (never seen on the
 * import path, kept so nothing is lost) any other value next in `others`. A rejected
 * record's first tag is REJECTED; its errors and the record itself are in `rejected`.
 */
export interface PackedChunk {
  id: number;
  count: number;
  width: number;
  buffer: ArrayBuffer;
  text: string;
  others: unknown[];
  rejected: Array<{ index: number; errors: FieldError[]; record: SourceRecord }>;
}

const TAG_NULL = 0;
const TAG_NUMBER = 1;
const TAG_STRING = 2;
const TAG_BIGINT = 3;
const TAG_OTHER = 4;
const TAG_REJECTED = 5;

function bufferBytes(values: number): number {
  return values * (8 + 4 + 1);
}

/**
 * Packs a validated chunk. `spare` is a buffer the import gave back (with its ack), reused
 * when large enough so that the steady state allocates no buffers.
 */
export function packChunk(chunk: ValidatedChunk, width: number, spare: ArrayBuffer | undefined): PackedChunk {
  const count = chunk.rows.length;
  const values = count * width;
  const bytes = bufferBytes(values);
  const buffer = spare !== undefined && spare.byteLength >= bytes ? spare : new ArrayBuffer(bytes);
  const numbers = new Float64Array(buffer, 0, values);
  const lengths = new Uint32Array(buffer, values * 8, values);
  const tags = new Uint8Array(buffer, values * 12, values);
  const others: unknown[] = [];
  const rejected: PackedChunk['rejected'] = [];
  let text = '';
  let k = 0;
  for (let i = 0; i < count; i++) {
    const row = chunk.rows[i];
    if (!row) {
      tags[k] = TAG_REJECTED;
      k += width;
      rejected.push({ index: i, errors: chunk.errors[i]!, record: chunk.records[i]! });
      continue;
    }
    for (let c = 0; c < width; c++, k++) {
      const value = row[c];
      if (typeof value === 'string') {
        tags[k] = TAG_STRING;
        lengths[k] = value.length;
        text += value;
      } else if (typeof value === 'number') {
        tags[k] = TAG_NUMBER;
        numbers[k] = value;
      } else if (value === null || value === undefined) {
        tags[k] = TAG_NULL;
      } else if (typeof value === 'bigint') {
        const digits = value.toString();
        tags[k] = TAG_BIGINT;
        lengths[k] = digits.length;
        text += digits;
      } else {
        tags[k] = TAG_OTHER;
        others.push(value);
      }
    }
  }
  return { id: chunk.id, count, width, buffer, text, others, rejected };
}

/** The import's side: a packed chunk back into rows (sliced from the one string). */
export function unpackChunk(packed: PackedChunk): ValidatedChunk {
  const { count, width, buffer, text } = packed;
  const values = count * width;
  const numbers = new Float64Array(buffer, 0, values);
  const lengths = new Uint32Array(buffer, values * 8, values);
  const tags = new Uint8Array(buffer, values * 12, values);
  const rows: (unknown[] | null)[] = new Array(count);
  const errors: (FieldError[] | null)[] = new Array(count).fill(null);
  const records: (SourceRecord | undefined)[] = new Array(count);
  let pos = 0;
  let other = 0;
  let k = 0;
  for (let i = 0; i < count; i++) {
    if (tags[k] === TAG_REJECTED) {
      rows[i] = null;
      k += width;
      continue;
    }
    const row = new Array<unknown>(width);
    for (let c = 0; c < width; c++, k++) {
      switch (tags[k]) {
        case TAG_STRING: {
          const end = pos + lengths[k]!;
          row[c] = text.slice(pos, end);
          pos = end;
          break;
        }
        case TAG_NUMBER:
          row[c] = numbers[k];
          break;
        case TAG_NULL:
          row[c] = null;
          break;
        case TAG_BIGINT: {
          const end = pos + lengths[k]!;
          row[c] = BigInt(text.slice(pos, end));
          pos = end;
          break;
        }
        default:
          row[c] = packed.others[other++];
      }
    }
    rows[i] = row;
  }
  for (const { index, errors: found, record } of packed.rejected) {
    errors[index] = found;
    records[index] = record;
  }
  return { id: packed.id, rows, errors, records };
}

// ---- records kept by the worker ------------------------------------------------------------

/**
 * The records of a chunk as the worker keeps them until the import says it will not report
 * them (`release`): one buffer per chunk, taken from a pool and given back, instead of ~a
 * dozen objects per record. Kept as objects, the records outlived two scavenges and were
 * promoted: the worker spent 1.4-1.6 s of 3.6-3.9 s CPU in GC on the 1M-row CSV; kept packed
 * in fresh strings and typed arrays, GC fell to ~0.3 s but those still reached the old
 * generation (~130 MB per 1M rows), so the worker's heap swung by ~20 MB between
 * mark-compacts and the import's peak RSS with it. A pooled buffer is never garbage.
 *
 * A record is stored by its fields (CSV/TSV: every record of the chunk has the same keys in
 * the same order, all strings) or by its source text (NDJSON/JSON: the exact text JSON.parse
 * read, so parsing it again gives the same data, -0 and 1e309 included). Any record that fits
 * neither (a ragged row, a parse error) is kept as it is.
 *
 * Buffer layout: Float64 line, recordNo per record | Uint32 lengths (UTF-16 code units) per
 * value | the values' text as UTF-16LE (lossless, lone surrogates included).
 */
export interface PackedRecords {
  count: number;
  input: string;
  text: boolean;
  /** Field names shared by the records stored by their fields; undefined: stored by source. */
  keys: string[] | undefined;
  buffer: ArrayBuffer;
  /** Byte offset of the text in `buffer`, and its length in code units. */
  textAt: number;
  textUnits: number;
  /** Records kept as they are, by index. */
  asIs: Map<number, SourceRecord> | undefined;
}

/** Buffers of released PackedRecords, reused. */
export class RecordStore {
  private readonly spare: ArrayBuffer[] = [];

  pack(records: readonly SourceRecord[]): PackedRecords {
    const count = records.length;
    const first = records[0];
    const input = first?.input ?? '';
    const text = first?.text ?? false;
    const keys = first !== undefined && first.source === undefined ? Object.keys(first.data) : undefined;
    const width = keys === undefined ? 1 : keys.length;
    const lengthsAt = count * 16;
    const lengthsEnd = lengthsAt + count * width * 4;
    const textAt = lengthsEnd + (lengthsEnd % 8 === 0 ? 0 : 8 - (lengthsEnd % 8));
    // Joined once: a string built with += is a rope that holds every piece.
    const parts: string[] = [];
    let asIs: Map<number, SourceRecord> | undefined;
    let units = 0;
    // The positions and lengths are gathered first: the text's size is known only after.
    const positions = new Float64Array(count * 2);
    const lengths = new Uint32Array(count * width);
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      positions[i * 2] = record.line;
      positions[i * 2 + 1] = record.recordNo;
      if (record.input === input && record.text === text && record.parseError === undefined && record.raw === undefined) {
        if (keys === undefined) {
          if (record.source !== undefined) {
            lengths[i] = record.source.length;
            units += record.source.length;
            parts.push(record.source);
            continue;
          }
        } else if (record.source === undefined && packFields(record.data, keys, lengths, i * width)) {
          const data = record.data;
          for (let j = 0; j < width; j++) {
            const value = data[keys[j]!] as string;
            units += value.length;
            parts.push(value);
          }
          continue;
        }
      }
      (asIs ??= new Map()).set(i, withoutSource(record));
    }
    const bytes = textAt + units * 2;
    const buffer = this.take(bytes);
    new Float64Array(buffer, 0, count * 2).set(positions);
    new Uint32Array(buffer, lengthsAt, count * width).set(lengths);
    if (units > 0) Buffer.from(buffer, textAt, units * 2).write(parts.join(''), 'utf16le');
    return { count, input, text, keys, buffer, textAt, textUnits: units, asIs };
  }

  /** The records will not be asked for again: their buffer is reused. */
  release(packed: PackedRecords): void {
    if (this.spare.length < 64) this.spare.push(packed.buffer);
  }

  private take(bytes: number): ArrayBuffer {
    for (let i = this.spare.length - 1; i >= 0; i--) {
      if (this.spare[i]!.byteLength >= bytes) {
        const found = this.spare[i]!;
        this.spare[i] = this.spare[this.spare.length - 1]!;
        this.spare.pop();
        return found;
      }
    }
    // Room to grow, so that a buffer fits the next chunks too.
    return new ArrayBuffer(Math.max(bytes + (bytes >> 2), 64 * 1024));
  }
}

/** The record as the parser gives it without keepSource. */
function withoutSource(record: SourceRecord): SourceRecord {
  if (record.source === undefined) return record;
  const { source: _source, ...rest } = record;
  return rest;
}

/** Writes the lengths of `data`'s values when its keys are exactly `keys`, in order, and all strings. */
function packFields(data: Record<string, unknown>, keys: string[], lengths: Uint32Array, at: number): boolean {
  let j = 0;
  for (const key in data) {
    const value = data[key];
    if (key !== keys[j] || typeof value !== 'string') return false;
    lengths[at + j++] = value.length;
  }
  return j === keys.length;
}

/** The records at these indexes, as they were read. */
export function unpackRecords(packed: PackedRecords, indexes: readonly number[]): SourceRecord[] {
  const { keys, count, buffer } = packed;
  const width = keys === undefined ? 1 : keys.length;
  const positions = new Float64Array(buffer, 0, count * 2);
  const lengths = new Uint32Array(buffer, count * 16, count * width);
  const joined = Buffer.from(buffer, packed.textAt, packed.textUnits * 2).toString('utf16le');
  // Where each record's text starts in `joined`: the lengths of those before it.
  const starts = new Float64Array(count + 1);
  for (let i = 0, pos = 0; i < count; i++) {
    starts[i] = pos;
    if (packed.asIs?.has(i)) continue;
    for (let j = 0; j < width; j++) pos += lengths[i * width + j]!;
  }
  return indexes.map((i) => {
    const kept = packed.asIs?.get(i);
    if (kept !== undefined) return kept;
    let pos = starts[i]!;
    let data: Record<string, unknown>;
    if (keys === undefined) {
      data = JSON.parse(joined.slice(pos, pos + lengths[i]!)) as Record<string, unknown>;
    } else {
      data = {};
      for (let j = 0; j < width; j++) {
        const end = pos + lengths[i * width + j]!;
        data[keys[j]!] = joined.slice(pos, end);
        pos = end;
      }
    }
    return { input: packed.input, line: positions[i * 2]!, recordNo: positions[i * 2 + 1]!, text: packed.text, data };
  });
}
