import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { createChunkDecoder, InvalidTextError, normalizeEncoding } from '../../src/source/decode-text.js';

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
    expect(() => normalizeEncoding('base64')).toThrow('unsupported --encoding "base64"; use utf8, utf16le or latin1');
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
      'in.txt: invalid UTF-8 at byte 5; pass --encoding latin1 (or utf16le) if the file is not UTF-8',
    );
    expect(decoder.error!.atLine(2).message).toBe(
      'in.txt:2: invalid UTF-8 at byte 5; pass --encoding latin1 (or utf16le) if the file is not UTF-8',
    );
  });

  it.each([
    ['a lone continuation byte', [0x61, 0x80]],
    ['an overlong encoding', [0x61, 0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80]],
    ['a byte that never occurs', [0x61, 0xff]],
  ])('finds %s', (_, bytes) => {
    expect(() => decode([Buffer.from(bytes)])).toThrow('in.txt: invalid UTF-8 at byte 1;');
  });

  it('finds a bad sequence split across chunks', () => {
    expect(() => decode([Buffer.from([0x61, 0xe2, 0x82]), Buffer.from([0x28])])).toThrow('invalid UTF-8 at byte 1;');
  });

  it('finds a character cut off by the end of the input', () => {
    expect(() => decode([Buffer.from([0x61, 0xe2, 0x82])])).toThrow('in.txt: invalid UTF-8 at byte 1;');
  });

  it('finds an unpaired surrogate in UTF-16LE', () => {
    const bytes = Buffer.from([0x61, 0x00, 0x00, 0xd8, 0x62, 0x00]);
    expect(() => decode([bytes], 'utf16le')).toThrow(
      'in.txt: invalid UTF-16LE (an unpaired surrogate) at byte 2; check --encoding',
    );
  });

  it('refuses UTF-16BE plainly', () => {
    expect(() => decode([Buffer.from([0xfe, 0xff, 0x00, 0x61])])).toThrow(
      'in.txt: starts with a UTF-16BE byte order mark; UTF-16BE is not supported, convert the file to UTF-8 or UTF-16LE',
    );
  });
});
