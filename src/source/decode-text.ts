import { isUtf8 } from 'node:buffer';
import { BargeError } from '../errors.js';
import { oneLine } from '../one-line.js';
import type { OpenedInput } from './types.js';

/**
 * Text decoding of an input's bytes, per --encoding.
 *
 * Bytes that are invalid in the encoding stop the input with a BargeError('input');
 * they are never silently replaced with U+FFFD: a replaced character would be loaded
 * as if it were data, and a file that is not UTF-8 at all (the usual cause) would
 * produce thousands of mangled rows. The decoder hands on the valid text before the
 * bad byte first, so the parser has counted the lines up to it and can name the line
 * and the column in it (`products.csv:42: invalid UTF-8 at column 7 (byte offset 1234 in
 * the input); ...`, see InvalidTextError.atLine; textChunks finds the column).
 */

export type TextEncodingName = 'utf8' | 'utf16le' | 'latin1' | 'windows1252';

const ENCODING_ALIASES: Record<string, TextEncodingName> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  // ASCII is a subset of UTF-8: strict UTF-8 accepts every ASCII file and rejects the rest.
  ascii: 'utf8',
  utf16le: 'utf16le',
  'utf-16le': 'utf16le',
  ucs2: 'utf16le',
  'ucs-2': 'utf16le',
  // Node's latin1 is ISO-8859-1 exactly (every byte is the code point of the same
  // value); WHATWG's "latin1" label would mean windows-1252 instead.
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
  binary: 'latin1',
  // What Windows programs (Excel, ERPs) write as "ANSI": latin1 but for 0x80-0x9F (€ “ ” – …).
  'windows-1252': 'windows1252',
  windows1252: 'windows1252',
  cp1252: 'windows1252',
};

/** windows-1252's characters for the bytes 0x80-0x9F (WHATWG's table: the five it leaves undefined stay C1 controls). */
const WINDOWS_1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const C1_CONTROL = /[\u0080-\u009f]/;
/** The five bytes windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D), as latin1 reads them. */
const WINDOWS_1252_UNDEFINED = /[\u0081\u008d\u008f\u0090\u009d]/;
const C1_CONTROLS = /[\u0080-\u009f]/g;

/** The supported encoding an --encoding value names; BargeError('usage') for any other. */
export function normalizeEncoding(encoding: string | undefined): TextEncodingName {
  if (encoding === undefined) return 'utf8';
  const name = ENCODING_ALIASES[encoding.toLowerCase()];
  if (name === undefined) {
    throw new BargeError('usage', `unsupported --encoding "${encoding}"; use utf8, utf16le, latin1 or windows-1252`);
  }
  return name;
}

/** Bytes that are not valid in the input's encoding; the parser adds the line with atLine(). */
export class InvalidTextError extends BargeError {
  /** Offset of the first bad byte in the (gunzipped) input, 0-based. */
  readonly byteOffset: number;
  readonly encodingName: TextEncodingName;

  /** UTF-16LE only: the input ends after an odd number of bytes (half a code unit), not a bad surrogate. */
  readonly oddLength: boolean;

  /**
   * Where the bad byte is in its line, 1-based, in UTF-16 code units as JavaScript counts (as
   * the JSON parsers' columns do): set by textChunks when the line starts in the text at hand.
   */
  lineColumn: number | undefined;

  /**
   * latin1 or windows-1252 only: the bytes at byteOffset are this UTF-8 character, so the file is
   * UTF-8, not in the encoding told (see utf8TextStart).
   */
  readonly utf8Character: string | undefined;

  constructor(input: string, encodingName: TextEncodingName, byteOffset: number, oddLength = false, utf8Character?: string) {
    super('input', invalidTextMessage(input, encodingName, byteOffset, undefined, oddLength, undefined, utf8Character), { input });
    this.name = 'InvalidTextError';
    this.byteOffset = byteOffset;
    this.encodingName = encodingName;
    this.oddLength = oddLength;
    this.lineColumn = undefined;
    this.utf8Character = utf8Character;
  }

  atLine(line: number): BargeError {
    const input = this.input ?? '';
    return new BargeError('input', invalidTextMessage(input, this.encodingName, this.byteOffset, line, this.oddLength, this.lineColumn, this.utf8Character), {
      input,
      line,
      cause: this,
    });
  }
}

function invalidTextMessage(
  input: string,
  encodingName: TextEncodingName,
  byteOffset: number,
  line?: number,
  oddLength = false,
  lineColumn?: number,
  utf8Character?: string,
): string {
  const where = line === undefined ? input : `${input}:${line}`;
  // The column in the line (what an editor shows), and the byte for a hex dump.
  const at =
    lineColumn === undefined || line === undefined
      ? `at byte offset ${byteOffset} in the input`
      : `at column ${lineColumn} (byte offset ${byteOffset} in the input)`;
  if (utf8Character !== undefined) {
    // Said as for a UTF-8 byte order mark under these encodings (dropBom), with where.
    return `${where}: "${oneLine(utf8Character)}" ${at} is a UTF-8 character, but --encoding ${encodingName === 'latin1' ? 'latin1' : 'windows-1252'} was given; the file is UTF-8: leave --encoding out`;
  }
  if (encodingName === 'utf8') {
    return `${where}: invalid UTF-8 ${at}; pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8`;
  }
  if (encodingName === 'windows1252') {
    // Python's cp1252 refuses them too: such a byte means another code page (cp1250's 0x8D is Ť).
    return `${where}: a byte windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90 or 0x9D) ${at}: the file is in another encoding (another Windows code page?); convert it to UTF-8`;
  }
  if (encodingName === 'latin1') {
    // ISO-8859-1 has only control characters at 0x80-0x9F; Windows files hold € “ ” – there.
    return `${where}: a control character (a byte 0x80-0x9F) ${at}, which in latin1 (ISO-8859-1) no text holds but a file from Windows does (€ “ ” – …): pass --encoding windows-1252`;
  }
  if (oddLength) {
    return `${where}: the input ends with half a UTF-16LE character (an odd number of bytes) at byte ${byteOffset}; is it truncated, or not UTF-16LE? check --encoding`;
  }
  return `${where}: invalid UTF-16LE (an unpaired surrogate) ${at}; check --encoding`;
}

/** A parser's line for a decoding failure, or the error unchanged when it is something else. */
export function withLine(error: unknown, line: number): unknown {
  return error instanceof InvalidTextError ? error.atLine(line) : error;
}

/**
 * A stateful per-chunk decoder. Chunks may split a character anywhere; the
 * incomplete tail is carried to the next chunk, so what is handed on always ends
 * on a character boundary.
 */
export interface ChunkDecoder {
  /** The decoded text of this chunk (plus any tail carried from the previous one). */
  text(chunk: Buffer): string;
  /**
   * The same as valid UTF-8 bytes: the chunk itself when the input is UTF-8
   * (checked, not copied), transcoded otherwise. For csv-parse, which works on bytes.
   */
  utf8(chunk: Buffer): Buffer;
  /**
   * Set when the last text()/utf8() result stopped short at an invalid byte: the
   * caller processes that result (so it knows the line), then throws this.
   */
  readonly error: InvalidTextError | undefined;
  /** Call at the end of input: throws if the input ends in the middle of a character. */
  end(): void;
}

/**
 * The first bytes of an input told to be UTF-16LE, checked to be (checkUtf16Sample): with no zero
 * byte, they would be 128 characters with neither a delimiter nor a line break among them.
 */
const UTF16_SAMPLE_BYTES = 256;

/**
 * How much of an input read as latin1 or windows-1252 is looked at for UTF-8 text (utf8TextStart):
 * as much as a file's first read, which format sniffing looks at too.
 */
const UTF8_LOOK_BYTES = 64 * 1024;

/** `fromFileStart`: false for the second half of a split validate, whose bytes start mid-file. */
export function createChunkDecoder(input: string, encoding: string | undefined, fromFileStart = true): ChunkDecoder {
  let encodingName = normalizeEncoding(encoding);
  /** Input offset of the first byte not yet received. */
  let received = 0;
  let first = true;
  /** Received bytes of an incomplete character, held back for the next chunk. */
  let carry: Buffer | undefined;
  let error: InvalidTextError | undefined;
  /** UTF-16LE without a byte order mark: its first bytes so far, until checkUtf16Sample has seen them. */
  let utf16Sample: Buffer | undefined;
  /**
   * latin1 or windows-1252 told: the first UTF8_LOOK_BYTES are looked at until they show whether
   * they are UTF-8 beyond ASCII. Read byte by byte, UTF-8 stored café as cafÃ©, exit 0.
   */
  let lookForUtf8 = fromFileStart && (encodingName === 'latin1' || encodingName === 'windows1252');
  /** Whether the bytes looked at held a byte that is not UTF-8: the file is not, whatever follows. */
  let notUtf8 = false;

  // Drops a byte order mark. For the default UTF-8, a UTF-16LE mark switches to
  // UTF-16LE: FF FE can never start valid UTF-8, so nothing is misread. A UTF-8 mark is
  // dropped under latin1 too (as "ï»¿" it named the first column `ï»¿id`); a UTF-16 mark
  // under latin1 ("ÿþ", then a NUL in every other byte) stops the input, pointing to the
  // encoding it names.
  function dropBom(chunk: Buffer): Buffer {
    if (encodingName !== 'utf16le' && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      // The mark says the file is UTF-8: under latin1 or windows-1252 its text was read byte by
      // byte (café stored as cafÃ©, exit 0). Refused when what follows is UTF-8 beyond ASCII; a
      // mark before latin1 bytes (not UTF-8) is dropped, as a mark before ASCII is.
      const rest = chunk.subarray(3);
      const whole = rest.subarray(0, incompleteUtf8TailStart(rest));
      if (encodingName !== 'utf8' && isUtf8(whole) && whole.some((byte) => byte >= 0x80)) {
        throw new BargeError(
          'input',
          `${input}: starts with a UTF-8 byte order mark, but --encoding ${encodingName === 'latin1' ? 'latin1' : 'windows-1252'} was given; the file is UTF-8: leave --encoding out`,
          { input },
        );
      }
      return chunk.subarray(3);
    }
    if (encodingName === 'latin1' && chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) {
      throw new BargeError(
        'input',
        `${input}: starts with a UTF-16LE byte order mark, but --encoding latin1 was given; pass --encoding utf16le (or no --encoding: the mark is recognised)`,
        { input },
      );
    }
    if (encodingName !== 'latin1' && chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) {
      encodingName = 'utf16le';
      return chunk.subarray(2);
    }
    // Under every encoding: read as UTF-16LE (--encoding utf16le), UTF-16BE loaded nothing (below).
    if (chunk.length >= 2 && chunk[0] === 0xfe && chunk[1] === 0xff) {
      throw new BargeError(
        'input',
        `${input}: starts with a UTF-16BE byte order mark; UTF-16BE is not supported, convert the file to UTF-8 or UTF-16LE`,
        { input },
      );
    }
    // Told UTF-16LE, with no mark: its first bytes are checked to read as UTF-16LE (take()).
    if (encodingName === 'utf16le') utf16Sample = Buffer.alloc(0);
    if (encodingName === 'utf8') checkNotUtf16(chunk.subarray(0, UTF16_SAMPLE_BYTES));
    return chunk;
  }

  /**
   * Read as UTF-8, a UTF-16 file without a byte order mark is valid UTF-8 with a zero byte in
   * every other place: with --schema, a CSV's header became names such as "i\u0000d\u0000", and
   * with "extraColumns": "ignore" every record loaded as a row of NULLs, exit 0. A text file has
   * no zero bytes; a quarter of them, nearly all in one place of their pairs, is UTF-16.
   */
  function checkNotUtf16(sample: Buffer): void {
    // Down to 4 bytes: a 10-byte UTF-16LE `id\n1\n` loaded rows of NULLs.
    if (sample.length < 4) return;
    const { first: even, second: odd } = zerosByPlace(sample);
    const zeros = even + odd;
    if (zeros * 4 < sample.length || Math.max(even, odd) < zeros * 0.9) return;
    const how = `(a zero byte in every other place of its first ${sample.length} bytes), read as UTF-8`;
    throw new BargeError('input', odd > even
      ? `${input}: looks like UTF-16LE without a byte order mark ${how}; pass --encoding utf16le`
      : `${input}: looks like UTF-16BE without a byte order mark ${how}; UTF-16BE is not supported, convert the file to UTF-8 or UTF-16LE`, { input });
  }

  /**
   * Told UTF-16LE, with no byte order mark: every ASCII character (a delimiter, a line break, a
   * brace) is a zero byte and its own in UTF-16LE, the zero second in its pair. UTF-8 read so
   * pairs its bytes into CJK characters, and UTF-16BE (the zero first) into others, and either
   * loses every line break: a CSV became one header line of a single column and loaded nothing,
   * "succeeded" with exit 0. `sample`: the first UTF16_SAMPLE_BYTES bytes, or the whole input
   * when shorter (such an input is one line then, so no record was handed on before this throws).
   */
  function checkUtf16Sample(sample: Buffer): void {
    const { first: zerosFirst, second: zerosSecond } = zerosByPlace(sample);
    if (zerosFirst === 0 && zerosSecond === 0) {
      throw new BargeError(
        'input',
        `${input}: read as UTF-16LE (--encoding utf16le), but its first ${sample.length} bytes hold no zero byte, which every ASCII character (a delimiter, a line break) has in UTF-16LE: it is not UTF-16LE; leave --encoding out (UTF-8) or pass --encoding latin1`,
        { input },
      );
    }
    // UTF-16BE has the zero first in each ASCII character's pair. A character of its own that
    // ends in a zero byte (一, U+4E00: 4E 00) put one zero second, and the file passed as
    // UTF-16LE: one header line, nothing loaded, exit 0. UTF-16LE's zeros are nearly all second.
    if (zerosFirst > zerosSecond) {
      throw new BargeError(
        'input',
        `${input}: read as UTF-16LE (--encoding utf16le), but in its first ${sample.length} bytes each zero byte comes first in its pair, as in UTF-16BE, which is not supported; convert the file to UTF-8 or UTF-16LE`,
        { input },
      );
    }
  }

  /** carry + chunk, with `base` = the input offset of its first byte. */
  function take(chunk: Buffer): { bytes: Buffer; base: number } {
    let base = received;
    received += chunk.length;
    if (first && chunk.length > 0) {
      // The BOM must be whole in the first chunk: openReadable peeks enough bytes
      // to make it so, even for a byte-at-a-time stdin.
      first = false;
      const rest = dropBom(chunk);
      base += chunk.length - rest.length;
      chunk = rest;
    }
    if (utf16Sample !== undefined) {
      utf16Sample = Buffer.concat([utf16Sample, chunk.subarray(0, UTF16_SAMPLE_BYTES - utf16Sample.length)]);
      if (utf16Sample.length >= UTF16_SAMPLE_BYTES) {
        const sample = utf16Sample;
        utf16Sample = undefined;
        checkUtf16Sample(sample);
      }
    }
    if (carry === undefined) return { bytes: chunk, base };
    const bytes = Buffer.concat([carry, chunk]);
    base -= carry.length;
    carry = undefined;
    return { bytes, base };
  }

  function utf8Of(chunk: Buffer): Buffer {
    const { bytes, base } = take(chunk);
    const cut = incompleteUtf8TailStart(bytes);
    if (cut < bytes.length) carry = Buffer.from(bytes.subarray(cut));
    const complete = cut < bytes.length ? bytes.subarray(0, cut) : bytes;
    if (isUtf8(complete)) return complete;
    const bad = firstInvalidUtf8(complete);
    error = new InvalidTextError(input, 'utf8', base + bad);
    carry = undefined;
    return complete.subarray(0, bad);
  }

  function utf16Of(chunk: Buffer): string {
    const { bytes, base } = take(chunk);
    let end = bytes.length & ~1;
    // Hold back a high surrogate at the end: its low half is in the next chunk.
    if (end >= 2) {
      const last = bytes[end - 2]! | (bytes[end - 1]! << 8);
      if (last >= 0xd800 && last <= 0xdbff) end -= 2;
    }
    if (end < bytes.length) carry = Buffer.from(bytes.subarray(end));
    const text = bytes.toString('utf16le', 0, end);
    const bad = firstLoneSurrogate(text);
    if (bad === -1) return text;
    error = new InvalidTextError(input, 'utf16le', base + 2 * bad);
    carry = undefined;
    return text.slice(0, bad);
  }

  function text(chunk: Buffer): string {
    if (error !== undefined) throw error;
    switch (encodingName) {
      case 'utf8':
        // dropBom may switch the encoding: take the first chunk through the generic path.
        if (first) return firstText(chunk);
        return utf8Of(chunk).toString('utf8');
      case 'utf16le':
        return utf16Of(chunk);
      case 'latin1':
      case 'windows1252':
        return singleByteText(chunk, encodingName);
    }
  }

  /** latin1 or windows-1252: every byte is a character, but a few that mean the file is in another encoding. */
  function singleByteText(chunk: Buffer, name: 'latin1' | 'windows1252'): string {
    const { bytes, base } = take(chunk);
    if (lookForUtf8) {
      const start = utf8TextStart(bytes, UTF8_LOOK_BYTES - base);
      if (start !== undefined || base + bytes.length >= UTF8_LOOK_BYTES) lookForUtf8 = false;
      // UTF-8 by chance (`CAFÉ…`) is windows-1252 text: its C1 byte under latin1 is no UTF-8 character's.
      if (start === -1 || start === UTF8_BY_CHANCE) notUtf8 = true;
      // The bytes before it are ASCII, the same text in every encoding: handed on as read.
      if (start !== undefined && start >= 0) return stopAtUtf8(bytes, base, start, name);
    }
    const text = bytes.toString('latin1');
    if (name === 'latin1') {
      const bad = text.search(C1_CONTROL);
      if (bad === -1) return text;
      // A C1 byte past the bytes looked at, inside a UTF-8 character (€ is E2 82 AC): the hint
      // to pass windows-1252 was wrong for a file that is UTF-8.
      const start = notUtf8 ? -1 : utf8SequenceHolding(bytes, bad);
      if (start !== -1) return stopAtUtf8(bytes, base, start, name);
      error = new InvalidTextError(input, 'latin1', base + bad);
      return text.slice(0, bad);
    }
    // The five bytes it does not define were stored as C1 control characters, exit 0.
    const bad = text.search(WINDOWS_1252_UNDEFINED);
    if (bad !== -1) error = new InvalidTextError(input, 'windows1252', base + bad);
    return (bad === -1 ? text : text.slice(0, bad)).replace(C1_CONTROLS, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!);
  }

  /** The text before the UTF-8 character at `start` in `bytes`, with the error that stops the input there. */
  function stopAtUtf8(bytes: Buffer, base: number, start: number, name: 'latin1' | 'windows1252'): string {
    const character = bytes.subarray(start, start + utf8SequenceLength(bytes[start]!)).toString('utf8');
    error = new InvalidTextError(input, name, base + start, false, character);
    // Before it: ASCII (utf8TextStart), or latin1 text with no C1 byte (the first is in the character).
    return bytes.toString('latin1', 0, start);
  }

  function firstText(chunk: Buffer): string {
    // Peek at the BOM without consuming, so the chosen branch takes the chunk whole.
    if (chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) return utf16Of(chunk);
    return utf8Of(chunk).toString('utf8');
  }

  function utf8(chunk: Buffer): Buffer {
    if (error !== undefined) throw error;
    if (encodingName === 'utf8' && !(first && chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe)) {
      return utf8Of(chunk);
    }
    return Buffer.from(text(chunk), 'utf8');
  }

  return {
    text,
    utf8,
    get error() {
      return error;
    },
    end(): void {
      if (error !== undefined) throw error;
      // An input shorter than the sample (a few lines of UTF-8 read as UTF-16LE loaded nothing, exit 0).
      if (utf16Sample !== undefined && utf16Sample.length >= 2) checkUtf16Sample(utf16Sample);
      if (carry !== undefined && carry.length > 0) {
        // UTF-16LE holds back one byte only for an odd length (a held-back high surrogate is 2 or
        // 3 bytes), which the "unpaired surrogate" message misdescribed.
        const utf16 = encodingName === 'utf16le';
        throw new InvalidTextError(input, utf16 ? 'utf16le' : 'utf8', received - carry.length, utf16 && carry.length % 2 === 1);
      }
    },
  };
}

/**
 * Index where a trailing, not yet complete UTF-8 sequence starts (bytes.length if none).
 * Looks at the last 3 bytes only: a sequence is at most 4 bytes long.
 */
function incompleteUtf8TailStart(bytes: Buffer): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    const b = bytes[i]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return i + length > n ? i : n;
    }
  }
  return n;
}

/** The length of the UTF-8 sequence `lead` starts (1 for ASCII, or for a byte no sequence starts with). */
function utf8SequenceLength(lead: number): number {
  return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/** utf8TextStart's answer for bytes that are UTF-8 but may as well be windows-1252 (`CAFÉ…`). */
const UTF8_BY_CHANCE = -2;

/**
 * Where the first byte beyond ASCII in bytes [0, lookEnd) starts a UTF-8 character, when the
 * bytes from there to lookEnd are valid UTF-8 (a character cut at lookEnd, or at the end of
 * `bytes`, is left out) and read as UTF-8 rather than as windows-1252 by chance; -1 when they
 * are not; UTF8_BY_CHANCE when they are, but may be windows-1252 as well; undefined when they
 * are all ASCII.
 */
function utf8TextStart(bytes: Buffer, lookEnd: number): number | undefined {
  const end = Math.min(bytes.length, lookEnd);
  let i = 0;
  while (i < end && bytes[i]! < 0x80) i++;
  if (i === end) return undefined;
  // The first character whole even when lookEnd falls inside it.
  const looked = bytes.subarray(i, Math.max(end, Math.min(bytes.length, i + utf8SequenceLength(bytes[i]!))));
  const whole = looked.subarray(0, incompleteUtf8TailStart(looked));
  if (whole.length === 0 || !isUtf8(whole)) return -1;
  // A windows-1252 capital before a byte of 0x80-0xBF (`CAFÉ…`, C9 85; `TÜV™`, DC 99) is a UTF-8
  // character too: one alone is taken for UTF-8 only where UTF-8 read as latin1 gives `Ã©`, `Â°`
  // or `â€™` (its leads C2, C3, E2); two or more, of any lead, are.
  const lead = bytes[i]!;
  return lead === 0xc2 || lead === 0xc3 || lead === 0xe2 || utf8LeadsIn(whole, 2) >= 2 ? i : UTF8_BY_CHANCE;
}

/** How many UTF-8 lead bytes `bytes` holds, counted up to `enough`. */
function utf8LeadsIn(bytes: Buffer, enough: number): number {
  let leads = 0;
  for (let i = 0; i < bytes.length && leads < enough; i++) if (bytes[i]! >= 0xc0) leads++;
  return leads;
}

/**
 * The start of the UTF-8 character that the continuation byte at `at` is part of, when the
 * bytes of `bytes` up to that character's end are valid UTF-8; else -1.
 */
function utf8SequenceHolding(bytes: Buffer, at: number): number {
  for (let start = at - 1; start >= 0 && start >= at - 3; start--) {
    const byte = bytes[start]!;
    if (byte < 0x80) return -1;
    if (byte >= 0xc0) {
      const end = start + utf8SequenceLength(byte);
      return end > at && end <= bytes.length && isUtf8(bytes.subarray(0, end)) ? start : -1;
    }
  }
  return -1;
}

/** Offset of the first byte that makes `bytes` invalid UTF-8; only called on failure. */
export function firstInvalidUtf8(bytes: Buffer): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let follow: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      follow = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      follow = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      follow = 3;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + follow >= n) return i;
    let cp = b & (0x3f >> follow);
    for (let k = 1; k <= follow; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += follow + 1;
  }
  return n;
}

function firstLoneSurrogate(text: string): number {
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed()) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/**
 * The input's text, chunk by chunk. Throws InvalidTextError after yielding the
 * text before the bad byte; the caller rethrows it with its line (withLine).
 */
export async function* textChunks(input: OpenedInput, encoding: string | undefined): AsyncGenerator<string> {
  const decoder = createChunkDecoder(input.name, encoding, (input.startOffset ?? 0) === 0);
  // The last two texts handed on, to find the bad byte's line start in (references only:
  // nothing is scanned unless a byte is bad), and how many there were.
  let last = '';
  let previous = '';
  let handedOn = 0;
  for await (const chunk of input.stream as AsyncIterable<Buffer>) {
    const text = decoder.text(chunk);
    if (text.length > 0) {
      yield text;
      previous = last;
      last = text;
      handedOn++;
    }
    if (decoder.error !== undefined) throw placed(decoder.error, previous, last, handedOn);
  }
  try {
    decoder.end();
  } catch (error) {
    throw error instanceof InvalidTextError ? placed(error, previous, last, handedOn) : error;
  }
}

/**
 * `error` with its column in the line: the bad byte follows `last`, which follows `previous`;
 * a line starting before both (longer than two chunks of input) leaves it unknown.
 */
function placed(error: InvalidTextError, previous: string, last: string, handedOn: number): InvalidTextError {
  const inLast = lastLineBreak(last);
  if (inLast !== -1) {
    error.lineColumn = last.length - inLast;
  } else {
    const inPrevious = lastLineBreak(previous);
    // handedOn <= 2: `previous` (or `last`) is the first text, which starts a line.
    if (inPrevious !== -1 || handedOn <= 2) error.lineColumn = previous.length - (inPrevious + 1) + last.length + 1;
  }
  return error;
}

function lastLineBreak(text: string): number {
  return Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
}


/** The input as valid UTF-8 bytes, chunk by chunk; errors as for textChunks. */
export async function* utf8Chunks(input: OpenedInput, encoding: string | undefined): AsyncGenerator<Buffer> {
  const decoder = createChunkDecoder(input.name, encoding);
  for await (const chunk of input.stream as AsyncIterable<Buffer>) {
    const bytes = decoder.utf8(chunk);
    if (bytes.length > 0) yield bytes;
    if (decoder.error !== undefined) throw decoder.error;
  }
  decoder.end();
}

/** The zero bytes of `sample` by their place in a pair of bytes: first (even offsets) or second. */
function zerosByPlace(sample: Buffer): { first: number; second: number } {
  let first = 0;
  let second = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2 === 0) first++;
    else second++;
  }
  return { first, second };
}
