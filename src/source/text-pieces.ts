import { RECORDS_PER_BATCH } from './limits.js';

/** A piece smaller than this is not cut further, however short the records. */
const MIN_PIECE_CHARS = 4096;

/**
 * Where the piece of a chunk of `text` that starts at `at` ends, so that a parser given the
 * chunk a piece at a time hands on about RECORDS_PER_BATCH records per piece, at the length
 * `charsPerRecord` of the records of the piece before (undefined when none is known: the
 * whole chunk). A piece ends after a line break, so that a record of one line is not split
 * between two; with no line break near, a CSV piece runs to the chunk's end and a JSON one
 * (`anywhere`: an array may be one long line) ends where it is cut. A line break inside a
 * quoted field or a JSON string may end a piece too: the parsers carry it on.
 */
export function pieceEnd(text: string, at: number, charsPerRecord: number | undefined, anywhere: boolean): number {
  if (charsPerRecord === undefined) return text.length;
  const want = Math.max(MIN_PIECE_CHARS, Math.ceil(charsPerRecord * RECORDS_PER_BATCH));
  if (text.length - at <= want + (want >> 1)) return text.length;
  const lf = text.indexOf('\n', at + want);
  if (lf !== -1 && lf < at + 2 * want) return lf + 1;
  return anywhere ? at + want : lf === -1 ? text.length : lf + 1;
}

/** The length of a record in the piece just read: undefined when it held none. */
export function charsPerRecordOf(chars: number, records: number): number | undefined {
  return records > 0 ? chars / records : undefined;
}
