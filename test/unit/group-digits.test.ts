import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../src/group-digits.js';
import { seededRandom } from '../helpers/random.js';

describe('groupDigits', () => {
  it('writes what Intl.NumberFormat("en-US") writes', () => {
    const intl = new Intl.NumberFormat('en-US');
    const values = [0, -0, 1, -1, 12, 123, 999, 1000, -1000, 1234, 12345, 123456, 1234567, -1234567, 1e15, 2 ** 53 - 1, -(2 ** 53 - 1),
      2 ** 53, 1e21, 1.5, 0.25, -2.125, NaN, Infinity, -Infinity];
    const next = seededRandom(5);
    for (let i = 0; i < 2000; i++) values.push(Math.floor(next() * 10 ** Math.floor(next() * 16)) * (next() < 0.2 ? -1 : 1));
    for (const value of values) expect(groupDigits(value), String(value)).toBe(intl.format(value));
  });
});
