import type { FieldError } from '../schema/types.js';
import type { SourceRecord } from '../source/types.js';
import type { ValidatedChunk } from './validated-source.js';
import { withoutSource } from './packed-records.js';

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
      // A CSV record's kept text and dialect would only add to the message: the import never reads
      // them. A JSON record's text goes with it, for its report entry (report-entry.ts).
      const record = chunk.records[i]!;
      rejected.push({ index: i, errors: chunk.errors[i]!, record: record.csv === undefined && record.source !== undefined ? record : withoutSource(record) });
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
