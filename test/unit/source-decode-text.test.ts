import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { createChunkDecoder, InvalidTextError, normalizeEncoding, textChunks, withLine } from '../../src/source/decode-text.js';
import type { OpenedInput } from '../../src/source/types.js';

/** Decodes `chunks` in order, then ends; returns the text. */
function decode(chunks: Buffer[], encoding = 'utf8'): string {
  const decoder = createChunkDecoder('in.txt', encoding);
  let text = '';
  for (const chunk of chunks) {
    text += decoder.text(chunk);
    if (decoder.error !== undefined) throw decoder.error;
  }
  decoder.end();
  return text;
}

/** Every way of cutting `bytes` in two. */
function splits(bytes: Buffer): Buffer[][] {
  return Array.from({ length: bytes.length + 1 }, (_, cut) => [bytes.subarray(0, cut), bytes.subarray(cut)]);
}

describe('normalizeEncoding', () => {
  it('accepts the supported encodings under their usual names', () => {
    expect(['utf8', 'UTF-8', 'ascii', 'utf16le', 'utf-16le', 'ucs2', 'latin1', 'binary'].map(normalizeEncoding)).toEqual([
      'utf8',
      'utf8',
      'utf8',
      'utf16le',
      'utf16le',
      'utf16le',
      'latin1',
      'latin1',
    ]);
    expect(normalizeEncoding(undefined)).toBe('utf8');
  });

  it('refuses others as a usage error', () => {
    expect(() => normalizeEncoding('base64')).toThrow(BargeError);
    expect(() => normalizeEncoding('base64')).toThrow('unsupported --encoding "base64"; use utf8, utf16le, latin1 or windows-1252');
  });
});

describe('createChunkDecoder', () => {
  const text = 'a é € 🚀 z';

  it('decodes UTF-8 split anywhere, and drops a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const chunks of splits(bytes).slice(3)) expect(decode(chunks)).toBe(text);
    expect(decode([...bytes].map((b) => Buffer.from([b])).slice(3))).toBe(text.normalize());
  });

  it('decodes UTF-16LE split anywhere, and drops a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    for (const chunks of splits(bytes).slice(2)) expect(decode(chunks, 'utf16le')).toBe(text);
  });

  it('decodes latin1 as ISO-8859-1', () => {
    expect(decode([Buffer.from([0x63, 0xe9, 0xff])], 'latin1')).toBe('cé\u00ff');
  });

  it('drops a UTF-8 BOM under latin1 too (it named the first column "ï»¿id")', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,caf\xe9', 'latin1')]);
    expect(decode([bytes], 'latin1')).toBe('id,café');
  });

  it('stops a UTF-16 file with its byte order mark under latin1, pointing to utf16le', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n', 'utf16le')]);
    expect(() => decode([bytes], 'latin1')).toThrow(
      new BargeError(
        'input',
        'in.txt: starts with a UTF-16LE byte order mark, but --encoding latin1 was given; pass --encoding utf16le (or no --encoding: the mark is recognised)',
        { input: 'in.txt' },
      ),
    );
    // Without --encoding the mark is followed.
    expect(decode([bytes])).toBe('id,name\n');
  });

  it('gives valid UTF-8 bytes for byte-oriented parsers, transcoding other encodings', () => {
    const decoder = createChunkDecoder('in.txt', 'latin1');
    expect(decoder.utf8(Buffer.from([0x63, 0xe9]))).toEqual(Buffer.from('cé'));
    const utf8 = Buffer.from('abc');
    expect(createChunkDecoder('in.txt', 'utf8').utf8(utf8)).toBe(utf8); // not copied
  });

  it('stops at invalid UTF-8 with the offset of the bad byte, after the text before it', () => {
    const decoder = createChunkDecoder('in.txt', 'utf8');
    expect(decoder.text(Buffer.from('abc\n'))).toBe('abc\n');
    expect(decoder.text(Buffer.from([0x64, 0xc3, 0x28, 0x65]))).toBe('d');
    expect(decoder.error).toBeInstanceOf(InvalidTextError);
    expect(decoder.error!.message).toBe(
      'in.txt: invalid UTF-8 at byte offset 5 in the input; pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    );
    expect(decoder.error!.atLine(2).message).toBe(
      'in.txt:2: invalid UTF-8 at byte offset 5 in the input; pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    );
  });

  it.each([
    ['a lone continuation byte', [0x61, 0x80]],
    ['an overlong encoding', [0x61, 0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80]],
    ['a byte that never occurs', [0x61, 0xff]],
  ])('finds %s', (_, bytes) => {
    expect(() => decode([Buffer.from(bytes)])).toThrow('in.txt: invalid UTF-8 at byte offset 1 in the input;');
  });

  it('finds a bad sequence split across chunks', () => {
    expect(() => decode([Buffer.from([0x61, 0xe2, 0x82]), Buffer.from([0x28])])).toThrow('invalid UTF-8 at byte offset 1 in the input;');
  });

  it('finds a character cut off by the end of the input', () => {
    expect(() => decode([Buffer.from([0x61, 0xe2, 0x82])])).toThrow('in.txt: invalid UTF-8 at byte offset 1 in the input;');
  });

  it('finds an unpaired surrogate in UTF-16LE', () => {
    const bytes = Buffer.from([0x61, 0x00, 0x00, 0xd8, 0x62, 0x00]);
    expect(() => decode([bytes], 'utf16le')).toThrow(
      'in.txt: invalid UTF-16LE (an unpaired surrogate) at byte offset 2 in the input; check --encoding',
    );
  });

  describe('told UTF-16LE without a byte order mark, its first 256 bytes (or all of a shorter input) must read as UTF-16LE', () => {
    const notUtf16 = (size: number) =>
      `in.txt: read as UTF-16LE (--encoding utf16le), but its first ${size} bytes hold no zero byte, which every ASCII character (a delimiter, a line break) has in UTF-16LE: it is not UTF-16LE; leave --encoding out (UTF-8) or pass --encoding latin1`;
    const bigEndian = (size: number) =>
      `in.txt: read as UTF-16LE (--encoding utf16le), but in its first ${size} bytes each zero byte comes first in its pair, as in UTF-16BE, which is not supported; convert the file to UTF-8 or UTF-16LE`;
    const csv = 'id,name\n' + Array.from({ length: 40 }, (_, i) => `${i},n${i}\n`).join('');

    it('UTF-8, long or short (a short one loaded nothing, exit 0), in one read or a byte at a time', () => {
      expect(() => decode([Buffer.from(csv)], 'utf16le')).toThrow(notUtf16(256));
      expect(() => decode([Buffer.from('id,name\n1,a\n')], 'utf16le')).toThrow(notUtf16(12));
      expect(() => decode([...Buffer.from(csv)].map((byte) => Buffer.from([byte])), 'utf16le')).toThrow(notUtf16(256));
    });

    it('UTF-16BE, with its mark or without (it loaded nothing, exit 0)', () => {
      const be = Buffer.from(csv, 'utf16le').swap16();
      expect(() => decode([Buffer.concat([Buffer.from([0xfe, 0xff]), be])], 'utf16le')).toThrow(
        'in.txt: starts with a UTF-16BE byte order mark; UTF-16BE is not supported, convert the file to UTF-8 or UTF-16LE',
      );
      expect(() => decode([be], 'utf16le')).toThrow(bigEndian(256));
      expect(() => decode([Buffer.from('id\n1\n', 'utf16le').swap16()], 'utf16le')).toThrow(bigEndian(10));
    });

    it('UTF-16LE reads, characters whose low byte is zero (一, U+4E00) among ASCII ones too, in any cut', () => {
      const text = '一,Ā\n' + csv;
      expect(decode([Buffer.from(text, 'utf16le')], 'utf16le')).toBe(text);
      for (const parts of splits(Buffer.from('id\n一\n', 'utf16le'))) expect(decode(parts, 'utf16le')).toBe('id\n一\n');
      // Nothing is no sample to judge.
      expect(decode([], 'utf16le')).toBe('');
    });
  });

  it('refuses UTF-16BE plainly, under latin1 too', () => {
    expect(() => decode([Buffer.from([0xfe, 0xff, 0x00, 0x61])], 'latin1')).toThrow('in.txt: starts with a UTF-16BE byte order mark;');
    expect(() => decode([Buffer.from([0xfe, 0xff, 0x00, 0x61])])).toThrow(
      'in.txt: starts with a UTF-16BE byte order mark; UTF-16BE is not supported, convert the file to UTF-8 or UTF-16LE',
    );
  });
});

/** textChunks over `chunks` (each one read of the input): its texts, and its error with the line `line`. */
async function chunksOf(chunks: Buffer[], encoding = 'utf8', line = 0): Promise<{ texts: string[]; error?: string }> {
  const input = { name: 'in.csv', path: 'in.csv', format: 'csv', stream: Readable.from(chunks), bytesRead: () => 0 } as OpenedInput;
  const texts: string[] = [];
  try {
    for await (const text of textChunks(input, encoding)) texts.push(text);
  } catch (error) {
    return { texts, error: (withLine(error, line) as Error).message };
  }
  return { texts };
}

describe('textChunks', () => {
  const HINT = 'pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8';

  it("names a bad byte's column in its line, not only its offset in the input", async () => {
    // `2,caf<E9>`: the E9 is at column 6 of line 3, byte 13 of the input (counting from 0).
    const bytes = Buffer.from('a,b\n1,x\n2,caf\xe9\n', 'latin1');
    expect(await chunksOf([bytes], 'utf8', 3)).toEqual({
      texts: ['a,b\n1,x\n2,caf'],
      error: `in.csv:3: invalid UTF-8 at column 6 (byte offset 13 in the input); ${HINT}`,
    });
    // Split anywhere: the line may start in an earlier chunk, or the bad byte start a chunk.
    for (let cut = 0; cut <= 13; cut++) {
      const { error } = await chunksOf([bytes.subarray(0, cut), bytes.subarray(cut)], 'utf8', 3);
      expect(error, `cut at ${cut}`).toBe(`in.csv:3: invalid UTF-8 at column 6 (byte offset 13 in the input); ${HINT}`);
    }
  });

  it('counts UTF-16 code units (as JSON messages count columns), not bytes, and knows CR and CRLF line ends', async () => {
    const bytes = Buffer.concat([Buffer.from('x\r\n1\rcafé 🚀,'), Buffer.from([0xc3, 0x28])]);
    expect((await chunksOf([bytes], 'utf8', 3)).error).toBe(
      `in.csv:3: invalid UTF-8 at column 9 (byte offset 16 in the input); ${HINT}`,
    );
  });

  it('names the column of a character cut off by the end of the input, and of a bad byte on line 1', async () => {
    expect((await chunksOf([Buffer.from('a,b\n1,ab'), Buffer.from([0xe2, 0x82])], 'utf8', 2)).error).toBe(
      `in.csv:2: invalid UTF-8 at column 5 (byte offset 8 in the input); ${HINT}`,
    );
    expect((await chunksOf([Buffer.from([0x41, 0xff])], 'utf8', 1)).error).toBe(
      `in.csv:1: invalid UTF-8 at column 2 (byte offset 1 in the input); ${HINT}`,
    );
  });

  it('leaves the column out when the line starts before the read of the bad byte and the one before it', async () => {
    const long = Buffer.from('x'.repeat(100));
    const { error } = await chunksOf([Buffer.from('a\n'), long, long, Buffer.from([0xff])], 'utf8', 2);
    expect(error).toBe(`in.csv:2: invalid UTF-8 at byte offset 202 in the input; ${HINT}`);
    // In the read before: known.
    expect((await chunksOf([Buffer.from('a\n'), long, Buffer.from([0xff])], 'utf8', 2)).error).toBe(
      `in.csv:2: invalid UTF-8 at column 101 (byte offset 102 in the input); ${HINT}`,
    );
    expect((await chunksOf([Buffer.from('a\nb'), Buffer.concat([long, Buffer.from([0xff])])], 'utf8', 2)).error).toBe(
      `in.csv:2: invalid UTF-8 at column 102 (byte offset 103 in the input); ${HINT}`,
    );
    // From the start of the input, however many reads.
    expect((await chunksOf([long, long, long, Buffer.from([0xff])], 'utf8', 1)).error).toBe(
      `in.csv:1: invalid UTF-8 at byte offset 300 in the input; ${HINT}`,
    );
  });

  it('names the column of an unpaired surrogate in UTF-16LE', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nbc', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('d\n', 'utf16le')]);
    expect((await chunksOf([bytes], 'utf16le', 2)).error).toBe(
      'in.csv:2: invalid UTF-16LE (an unpaired surrogate) at column 3 (byte offset 8 in the input); check --encoding',
    );
  });
});

describe('inputs in another encoding than the one read (the text audit)', () => {
  /** UTF-16BE bytes of `text` (Node has no utf16be: swap each pair of UTF-16LE). */
  function utf16be(text: string): Buffer {
    const bytes = Buffer.from(text, 'utf16le');
    for (let i = 0; i + 1 < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1]!, bytes[i]!];
    return bytes;
  }

  it('UTF-16BE read as --encoding utf16le is refused also when a character ends in a zero byte (一 is 4E 00: it passed, one header line, nothing loaded, exit 0)', () => {
    expect(() => decode([utf16be('id,name\n1,一\n2,b\n')], 'utf16le')).toThrow(/: read as UTF-16LE \(--encoding utf16le\), but in its first 32 bytes each zero byte comes first in its pair, as in UTF-16BE/);
    // UTF-16LE with CJK text whose characters end in zero bytes still reads.
    expect(decode([Buffer.from('id,name\n1,一丁\n2,b\n', 'utf16le')], 'utf16le')).toBe('id,name\n1,一丁\n2,b\n');
  });

  it('UTF-16 without a byte order mark read as UTF-8 is refused, naming the encoding (with --schema, its names were "i\\u0000d\\u0000")', () => {
    const le = Buffer.from('id,name\n1,abc\n2,def\n', 'utf16le');
    expect(() => decode([le])).toThrow('in.txt: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 40 bytes), read as UTF-8; pass --encoding utf16le');
    expect(() => decode([utf16be('id,name\n1,abc\n2,def\n')])).toThrow('in.txt: looks like UTF-16BE without a byte order mark (a zero byte in every other place of its first 40 bytes), read as UTF-8; UTF-16BE is not supported, convert the file to UTF-8 or UTF-16LE');
    // A UTF-8 file with a few NUL bytes in it is still read as UTF-8.
    expect(decode([Buffer.from('id,name\n1,a\u0000b\n2,c\n')])).toBe('id,name\n1,a\u0000b\n2,c\n');
  });

  it('a UTF-8 byte order mark under latin1 or windows-1252 is refused: the file is UTF-8 (café was stored as cafÃ©, exit 0)', () => {
    const bytes = Buffer.from('\ufeffid,name\n1,café\n', 'utf8');
    expect(() => decode([bytes], 'latin1')).toThrow('in.txt: starts with a UTF-8 byte order mark, but --encoding latin1 was given; the file is UTF-8: leave --encoding out');
    expect(() => decode([bytes], 'windows-1252')).toThrow('in.txt: starts with a UTF-8 byte order mark, but --encoding windows-1252 was given; the file is UTF-8: leave --encoding out');
    // Before latin1 bytes (not UTF-8) or ASCII only, the mark is dropped as before.
    expect(decode([Buffer.from('\ufeffid,name\n', 'utf8')], 'latin1')).toBe('id,name\n');
  });

  it('UTF-8 without a byte order mark under latin1 or windows-1252 is refused at its first character beyond ASCII (café was stored as cafÃ©, exit 0)', async () => {
    const bytes = Buffer.from('id,name\r\n1,café\n', 'utf8');
    const said = (told: string) => `in.csv:2: "é" at column 6 (byte offset 14 in the input) is a UTF-8 character, but --encoding ${told} was given; the file is UTF-8: leave --encoding out`;
    expect(await chunksOf([bytes], 'latin1', 2)).toEqual({ texts: ['id,name\r\n1,caf'], error: said('latin1') });
    expect(await chunksOf([bytes], 'cp1252', 2)).toEqual({ texts: ['id,name\r\n1,caf'], error: said('windows-1252') });
    // Read in pieces (a pipe), cut anywhere but inside the character itself.
    for (let cut = 0; cut <= bytes.length; cut++) {
      if (cut === 15) continue;
      expect((await chunksOf([bytes.subarray(0, cut), bytes.subarray(cut)], 'latin1', 2)).error, `cut at ${cut}`).toBe(said('latin1'));
    }
  });

  it('latin1 text that is not UTF-8 still reads, and a UTF-8 character after it is read as latin1 (the file is not UTF-8)', async () => {
    const latin1 = Buffer.concat([Buffer.from('id,name\n1,Caf\xe9\n', 'latin1'), Buffer.from('2,é\n', 'utf8')]);
    const { texts, error } = await chunksOf([latin1], 'latin1');
    expect(error).toBeUndefined();
    expect(texts.join('')).toBe('id,name\n1,Café\n2,Ã©\n');
  });

  it('past the first 64 KiB, a C1 byte inside a UTF-8 character says the file is UTF-8 under latin1, not to pass windows-1252', async () => {
    const ascii = Buffer.from(`id,p\n${'1,5\n'.repeat(20_000)}`);
    const euro = Buffer.from('2,5 €\n', 'utf8');
    expect((await chunksOf([ascii, euro], 'latin1', 20_002)).error).toBe(
      `in.csv:20002: "€" at column 5 (byte offset ${ascii.length + 4} in the input) is a UTF-8 character, but --encoding latin1 was given; the file is UTF-8: leave --encoding out`,
    );
    // Past them under windows-1252, and anywhere in a split validate's second half (it starts mid-file), nothing is looked for.
    expect((await chunksOf([ascii, Buffer.from('2,café\n', 'utf8')], 'windows-1252')).error).toBeUndefined();
    const tail = { name: 'in.csv', path: 'in.csv', format: 'csv', stream: Readable.from([Buffer.from('2,café\n', 'utf8')]), bytesRead: () => 0, startOffset: 100 } as OpenedInput;
    const texts: string[] = [];
    for await (const text of textChunks(tail, 'latin1')) texts.push(text);
    expect(texts).toEqual(['2,cafÃ©\n']);
  });

  it('windows-1252 refuses the five bytes it does not define (they were stored as C1 control characters)', () => {
    expect(decode([Buffer.from([0x80, 0x93, 0x94])], 'windows-1252')).toBe('€“”');
    for (const byte of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) {
      expect(() => decode([Buffer.from([0x61, byte, 0x62])], 'windows-1252'), byte.toString(16)).toThrow(
        'in.txt: a byte windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90 or 0x9D) at byte offset 1 in the input: the file is in another encoding (another Windows code page?); convert it to UTF-8',
      );
    }
  });
});

it('UTF-16LE without a byte order mark is recognised down to 4 bytes (a 10-byte `id\\n1\\n` loaded rows of NULLs)', () => {
  expect(() => decode([Buffer.from('id\n1\n', 'utf16le')])).toThrow('in.txt: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 10 bytes), read as UTF-8; pass --encoding utf16le');
  expect(decode([Buffer.from('a\n')])).toBe('a\n');
});
