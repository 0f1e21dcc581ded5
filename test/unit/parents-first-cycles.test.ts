import { describe, expect, it } from 'vitest';
import { onCycles } from '../../src/store/parents-first.js';

describe('onCycles: the rows on a cycle of references', () => {
  it('a ring of 200,000 rows is one cycle of them all (the rows were pushed as one argument each: a stack overflow)', () => {
    const n = 200_000;
    const ring = Array.from({ length: n }, (_, i) => i);
    const cycle = onCycles(ring, (i) => (i + 1) % n);
    expect(cycle.length).toBe(n);
    expect(cycle[0]).toBe(0);
    expect(cycle[n - 1]).toBe(n - 1);
  });

  it('a chain into a cycle: only the cycle\'s rows', () => {
    // 0 -> 1 -> 2 -> 3 -> 1; 4 has no parent among them.
    const parent = new Map([[0, 1], [1, 2], [2, 3], [3, 1]]);
    expect(onCycles([0, 1, 2, 3, 4], (i) => parent.get(i))).toEqual([1, 2, 3]);
  });
});
