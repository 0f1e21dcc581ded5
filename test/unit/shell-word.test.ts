import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../src/shell-word.js';

/** What a shell makes of the word: its bytes as `printf %s` writes them. */
function readBack(shell: string, word: string): string {
  return execFileSync(shell, ['-c', `printf %s ${word}`], { encoding: 'utf8' });
}

describe('shellWord', () => {
  const words = ['plain.csv', "my file's.csv", 't x', 'in\nput.csv', 'tab\there', 'job\u200bA', 'rtl\u202eevil', '👩\u200d💻 team', 'back\\slash', ''];

  it('a shell reads each word back as it was (bash; dash too where it reads $\'…\')', () => {
    for (const word of words) expect(readBack('bash', shellWord(word)), JSON.stringify(word)).toBe(word);
  });

  it('writes invisible format characters (U+200B, U+202E) escaped, as messages show them, not raw inside quotes', () => {
    expect(shellWord('job\u200bA')).toBe("$'job\\xe2\\x80\\x8bA'");
    expect(shellWord('rtl\u202eevil')).toBe("$'rtl\\xe2\\x80\\xaeevil'");
    // The joiner inside an emoji stays as it is.
    expect(shellWord('👩\u200d💻 team')).toBe("'👩\u200d💻 team'");
    expect(shellWord('in\nput.csv')).toBe("$'in\\nput.csv'");
  });
});
