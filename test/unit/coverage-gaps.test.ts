import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressDisplay } from '../../src/progress/progress-display.js';
import { runtimeProblem } from '../../src/runtime-problem.js';

// Branches a coverage run of the whole suite found no test reaching (see test/e2e/coverage-gaps.test.ts).

describe('runtimeProblem: the cases its own tests leave out', () => {
  it("a native addon's first line longer than 200 characters is cut, and the cut is shown", () => {
    const module = `/${'very-long-directory-name/'.repeat(12)}better_sqlite3.node`;
    const error = Object.assign(new Error(`The module '${module}'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115.`), { code: 'ERR_DLOPEN_FAILED' });
    const first = `The module '${module}'`;
    expect(first.length).toBeGreaterThan(200);
    expect(runtimeProblem(error)).toBe(`better-sqlite3's native addon cannot be loaded (${first.slice(0, 200)}…); in barge's directory run: npm rebuild better-sqlite3 (it compiles with python3, make and a C++ compiler when no prebuilt binary fits)`);
  });

  it('"Too many open files" in a message without an errno code (as SQLite or a library words it) is EMFILE too', () => {
    expect(runtimeProblem(new Error('unable to open file: Too many open files'))).toMatch(/^too many open files \(EMFILE(, ulimit -n is (\d+|unlimited))?\); raise the limit \(ulimit -n 1024\) and run again$/);
  });
});

describe('progress lines: an ETA beyond 100 hours', () => {
  afterEach(() => vi.useRealTimers());

  it('is shown as "--" (no pace to trust), and one within 100 hours as a time', () => {
    vi.useFakeTimers({ now: 0 });
    const written: string[] = [];
    const stream = { isTTY: false, columns: 100, write: (text: string) => { written.push(text); return true; } } as unknown as NodeJS.WriteStream;
    const display = createProgressDisplay('lines', stream, { env: { BARGE_PROGRESS_INTERVAL_MS: '1000' } });
    vi.setSystemTime(1000);
    // 1 byte in 10^7 after 1 s: ~10^7 s (2,777 h) to go.
    display.update({ done: 1, total: 10_000_000, records: 1, rejected: 0 });
    vi.setSystemTime(2000);
    // 2 bytes in 700,000 after 2 s: 699,998 s (~194 h).
    display.update({ done: 2, total: 700_000, records: 2, rejected: 0 });
    vi.setSystemTime(3000);
    // 3 bytes in 300,000 after 3 s: 299,997 s (83h19m57s).
    display.update({ done: 3, total: 300_000, records: 3, rejected: 0 });
    display.stop();
    expect(written.map((line) => line.replace(/^.* \| ETA /, 'ETA '))).toEqual(['ETA --\n', 'ETA --\n', 'ETA 83h19m\n']);
  });
});
