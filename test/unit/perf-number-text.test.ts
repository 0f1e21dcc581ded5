import { describe, expect, it } from 'vitest';
import { numberText } from '../../src/export/typed-values.js';
import { seededRandom } from '../helpers/random.js';

const random = seededRandom;

/** What numberText writes: String()'s text, but a whole REAL from 2^53 up in exponent form. */
function expected(v: number): string {
  return Number.isInteger(v) && Math.abs(v) >= 2 ** 53 ? v.toExponential() : String(v);
}

describe('numberText', () => {
  it('writes every value as String() does: edge values', () => {
    const edges = [0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 0.5, -0.5, 0.0001, 0.00001, 1e-7, 123456.7891, 99999999999.9999, 1e11 - 0.5, 1e11,
      1e11 + 0.5, 2 ** 53, 2 ** 53 + 2, 1e21, 1.5e300, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, NaN, Infinity, -Infinity,
      2652.54, 0.78, 0.8, 5391.48, 1.005, 2.675, 1.0000000000000002, 0.30000000000000004, 4.35, 0.07, 9.995, -9.995];
    for (const v of edges) expect(numberText(v), String(v)).toBe(expected(v));
  });

  it('writes a whole REAL from 2^53 up in exponent form, so that readers of digits do not take it for an integer', () => {
    expect(numberText(8474337369372326912)).toBe('8.474337369372327e+18');
    expect(numberText(2 ** 53)).toBe('9.007199254740992e+15');
    expect(numberText(-(2 ** 53))).toBe('-9.007199254740992e+15');
    expect(numberText(1e16)).toBe('1e+16');
    expect(numberText(2 ** 53 - 1)).toBe('9007199254740991');
    expect(numberText(1e21)).toBe('1e+21');
    for (const v of [8474337369372326912, 2 ** 60, 1e16, 123456789012345680000]) expect(Number(numberText(v))).toBe(v);
  });

  it('writes every value as String() does: millions of random decimals and doubles', () => {
    const next = random(42);
    for (let i = 0; i < 1_000_000; i++) {
      // Decimals with 0-6 digits after the point, of every magnitude up to and past 1e11.
      const digits = Math.floor(next() * 7);
      const magnitude = 10 ** Math.floor(next() * 14);
      const decimal = Math.round(next() * magnitude * 10 ** digits) / 10 ** digits;
      const v = next() < 0.5 ? decimal : -decimal;
      if (numberText(v) !== expected(v)) expect(numberText(v), `decimal ${v}`).toBe(expected(v));
      // Any double at all, from random bits.
      const bits = new DataView(new ArrayBuffer(8));
      bits.setUint32(0, Math.floor(next() * 2 ** 32));
      bits.setUint32(4, Math.floor(next() * 2 ** 32));
      const any = bits.getFloat64(0);
      if (numberText(any) !== expected(any)) expect(numberText(any), `double ${any}`).toBe(expected(any));
      // Small doubles near decimals: a decimal plus or minus a few ulps.
      const near = decimal + (next() - 0.5) * decimal * 4e-16;
      if (numberText(near) !== expected(near)) expect(numberText(near), `near ${near}`).toBe(expected(near));
    }
  });
});
