import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/one-line.js';

describe('oneLine', () => {
  it('escapes control characters as JSON does, and the Unicode line breaks JSON.stringify leaves raw', () => {
    expect(oneLine('a\nb\tc\u0007d\u007fe')).toBe('a\\nb\\tc\\u0007d\\u007fe');
    expect(oneLine('col\u2028umn \u2029 \u0085')).toBe('col\\u2028umn \\u2029 \\u0085');
    expect(oneLine('plain "text", é, 😀')).toBe('plain "text", é, 😀');
  });
});
