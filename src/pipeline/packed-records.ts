import type { SourceRecord } from '../source/types.js';

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
        } else if (record.source === undefined) {
          const added = packFields(record.data, keys, lengths, i * width, parts);
          if (added >= 0) {
            units += added;
            continue;
          }
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

/**
 * Adds `data`'s values to `parts` and their lengths to `lengths` when its keys are exactly
 * `keys`, in order, and all strings; returns the code units added, or -1 (and adds nothing).
 * One for-in pass: reading the values again by key afterwards took about half of pack()'s
 * time (keyed loads; pack() was ~310 ms of the worker's ~2.4 s on the 1M-row CSV, profiled).
 */
function packFields(data: Record<string, unknown>, keys: string[], lengths: Uint32Array, at: number, parts: string[]): number {
  const before = parts.length;
  let units = 0;
  let j = 0;
  for (const key in data) {
    const value = data[key];
    if (key !== keys[j] || typeof value !== 'string') {
      parts.length = before;
      return -1;
    }
    lengths[at + j++] = value.length;
    units += value.length;
    parts.push(value);
  }
  if (j !== keys.length) {
    parts.length = before;
    return -1;
  }
  return units;
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
