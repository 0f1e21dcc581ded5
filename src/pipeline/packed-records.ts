import { dataOfRecordText, type CsvDialect } from '../source/csv-record-text.js';
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
 * A record is stored by its source text when it has one: NDJSON/JSON, the exact text
 * JSON.parse read (parsing it again gives the same data, -0 and 1e309 included); CSV/TSV, the
 * record's text as read (csv-record-text.ts reads it again into the same fields). One string
 * per record: storing a CSV record's ten fields one by one was ~205 ms of the worker's
 * ~1.7 s of CPU on the 1M-row CSV, its text ~60 ms (profiled). A CSV record without its text
 * (a line break in a field, or split across two reads) is stored by its fields, when every
 * record of the chunk stored so has the same keys in the same order, all strings. Any record
 * that fits neither (a ragged row, a parse error) is kept as it is.
 *
 * Buffer layout: Float64 line, recordNo per record | Uint32 lengths (UTF-16 code units), `width`
 * slots per record (one used for a text) | Uint8 how each record is stored | the values'
 * text as UTF-16LE (lossless, lone surrogates included).
 */
export interface PackedRecords {
  count: number;
  input: string;
  text: boolean;
  /** Slots per record in the lengths. */
  width: number;
  /** Field names of the records stored by their fields (keys order). */
  keys: string[] | undefined;
  /** How to read the CSV records stored by their text. */
  csv: CsvDialect | undefined;
  buffer: ArrayBuffer;
  /** Byte offset of the text in `buffer`, and its length in code units. */
  textAt: number;
  textUnits: number;
  /** Records kept as they are, by index. */
  asIs: Map<number, SourceRecord> | undefined;
}

const BY_FIELDS = 0;
const BY_SOURCE = 1;
const AS_IS = 2;

/** Buffers of released PackedRecords, reused. */
export class RecordStore {
  private readonly spare: ArrayBuffer[] = [];

  pack(records: readonly SourceRecord[]): PackedRecords {
    const count = records.length;
    // The chunk's shape comes from its first record that was read whole: a line that failed
    // to parse has neither text kept nor fields (and when it came first, the chunk was sized
    // for records of no fields, and the text of the others overwrote each other's lengths).
    const model = records.find((record) => record.parseError === undefined && record.raw === undefined) ?? records[0];
    const input = model?.input ?? '';
    const text = model?.text ?? false;
    // The CSV dialect of the records kept by their text (one input per chunk).
    const csv = records.find((record) => record.csv !== undefined)?.csv;
    // Slots per record: one for a text, one per field; never none, so a text always has its slot.
    const width = Math.max(1, model === undefined ? 1 : csv !== undefined ? csv.names.length : model.source === undefined ? Object.keys(model.data).length : 1);
    let keys: string[] | undefined;
    const lengthsAt = count * 16;
    const modesAt = lengthsAt + count * width * 4;
    const modesEnd = modesAt + count;
    const textAt = modesEnd + (modesEnd % 8 === 0 ? 0 : 8 - (modesEnd % 8));
    // Joined once: a string built with += is a rope that holds every piece.
    const parts: string[] = [];
    let asIs: Map<number, SourceRecord> | undefined;
    let units = 0;
    // The positions and lengths are gathered first: the text's size is known only after.
    const positions = new Float64Array(count * 2);
    const lengths = new Uint32Array(count * width);
    const modes = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const record = records[i]!;
      positions[i * 2] = record.line;
      positions[i * 2 + 1] = record.recordNo;
      if (record.input === input && record.text === text && record.parseError === undefined && record.raw === undefined) {
        const source = record.source;
        if (source !== undefined && record.csv === csv) {
          modes[i] = BY_SOURCE;
          lengths[i * width] = source.length;
          units += source.length;
          parts.push(source);
          continue;
        }
        if (source === undefined && (csv !== undefined || model!.source === undefined)) {
          keys ??= Object.keys(record.data);
          const added = keys.length === width ? packFields(record.data, keys, lengths, i * width, parts) : -1;
          if (added >= 0) {
            modes[i] = BY_FIELDS;
            units += added;
            continue;
          }
        }
      }
      modes[i] = AS_IS;
      (asIs ??= new Map()).set(i, withoutSource(record));
    }
    const bytes = textAt + units * 2;
    const buffer = this.take(bytes);
    new Float64Array(buffer, 0, count * 2).set(positions);
    new Uint32Array(buffer, lengthsAt, count * width).set(lengths);
    new Uint8Array(buffer, modesAt, count).set(modes);
    if (units > 0) Buffer.from(buffer, textAt, units * 2).write(parts.join(''), 'utf16le');
    return { count, input, text, width, keys, csv, buffer, textAt, textUnits: units, asIs };
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

/** The record without what it carries for the worker's own use: its text as read, its CSV dialect. */
export function withoutSource(record: SourceRecord): SourceRecord {
  if (record.source === undefined && record.csv === undefined) return record;
  const { source: _source, csv: _csv, ...rest } = record;
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
  const { keys, count, width, buffer, csv } = packed;
  const positions = new Float64Array(buffer, 0, count * 2);
  const lengths = new Uint32Array(buffer, count * 16, count * width);
  const modes = new Uint8Array(buffer, count * 16 + count * width * 4, count);
  const joined = Buffer.from(buffer, packed.textAt, packed.textUnits * 2).toString('utf16le');
  // Where each record's text starts in `joined`: the lengths of those before it.
  const starts = new Float64Array(count + 1);
  for (let i = 0, pos = 0; i < count; i++) {
    starts[i] = pos;
    if (modes[i] === BY_SOURCE) pos += lengths[i * width]!;
    else if (modes[i] === BY_FIELDS) for (let j = 0; j < width; j++) pos += lengths[i * width + j]!;
  }
  return indexes.map((i) => {
    const kept = packed.asIs?.get(i);
    if (kept !== undefined) return kept;
    let pos = starts[i]!;
    let data: Record<string, unknown>;
    // A JSON record keeps its text: its report entry may need what JSON.parse changed.
    let jsonSource: string | undefined;
    if (modes[i] === BY_SOURCE) {
      const source = joined.slice(pos, pos + lengths[i * width]!);
      if (csv !== undefined) data = dataOfRecordText(source, csv);
      else {
        data = JSON.parse(source) as Record<string, unknown>;
        jsonSource = source;
      }
    } else {
      data = {};
      for (let j = 0; j < width; j++) {
        const end = pos + lengths[i * width + j]!;
        data[keys![j]!] = joined.slice(pos, end);
        pos = end;
      }
    }
    const record: SourceRecord = { input: packed.input, line: positions[i * 2]!, recordNo: positions[i * 2 + 1]!, text: packed.text, data };
    if (jsonSource !== undefined) record.source = jsonSource;
    return record;
  });
}
