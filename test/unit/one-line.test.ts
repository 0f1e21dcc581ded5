import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/one-line.js';

describe('oneLine', () => {
  it('escapes control characters as JSON does, and the Unicode line breaks JSON.stringify leaves raw', () => {
    expect(oneLine('a\nb\tc\u0007d\u007fe')).toBe('a\\nb\\tc\\u0007d\\u007fe');
    expect(oneLine('col\u2028umn \u2029 \u0085')).toBe('col\\u2028umn \\u2029 \\u0085');
    expect(oneLine('plain "text", é, 😀')).toBe('plain "text", é, 😀');
  });

  it('escapes invisible format characters (they were shown raw: U+202E reversed the rest of the line), but not the joiner inside emoji', () => {
    expect(oneLine('got "\u202e\u200bx\u00ad\ufeff"')).toBe('got "\\u202e\\u200bx\\u00ad\\ufeff"');
    expect(oneLine('👩\u200d💻')).toBe('👩\u200d💻');
    expect(oneLine('tag\u{e0001}')).toBe('tag\\udb40\\udc01');
  });
});
