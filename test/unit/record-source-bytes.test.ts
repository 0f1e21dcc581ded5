import { describe, expect, it } from 'vitest';
import { bytesReadOf } from '../../src/pipeline/record-source.js';
import type { OpenedInput } from '../../src/source/types.js';

// The progress of inputs read one after another, summed without asking every input each time.
function input(size: number | undefined, read: () => number): OpenedInput {
  return { name: 'x', path: 'x', size, format: 'csv', stream: undefined as never, bytesRead: read };
}

describe('bytesReadOf', () => {
  it('sums the inputs read so far, through done ones, an empty one, and the one being read', () => {
    const read = [0, 0, 0, 0];
    const inputs = [input(10, () => read[0]!), input(0, () => read[1]!), input(5, () => read[2]!), input(7, () => read[3]!)];
    const bytes = bytesReadOf(inputs);
    expect(bytes()).toBe(0);
    read[0] = 4;
    expect(bytes()).toBe(4);
    read[0] = 10;
    expect(bytes()).toBe(10);
    read[2] = 3; // the empty second input is done at once
    expect(bytes()).toBe(13);
    read[2] = 5;
    read[3] = 1;
    expect(bytes()).toBe(16);
    read[3] = 7;
    expect(bytes()).toBe(22);
  });

  it('stdin (no size) is never taken for done: its later bytes still count', () => {
    const read = [0, 0];
    const inputs = [input(undefined, () => read[0]!), input(3, () => read[1]!)];
    const bytes = bytesReadOf(inputs);
    read[0] = 100;
    expect(bytes()).toBe(100);
    read[0] = 250;
    expect(bytes()).toBe(250);
    read[1] = 3;
    expect(bytes()).toBe(253);
  });
});
