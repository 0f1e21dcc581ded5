import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runtimeProblem } from '../../src/runtime-problem.js';

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('runtimeProblem: failures of the environment, in words that say what to change', () => {
  it('EMFILE: the open-files limit, with its value where /proc tells it', () => {
    const text = runtimeProblem(errno('EMFILE', "EMFILE: too many open files, open '/x/help.js'"));
    // This process's soft limit, as /proc/self/limits gives it (none said where it cannot be read).
    const limits = fs.existsSync('/proc/self/limits') ? fs.readFileSync('/proc/self/limits', 'utf8') : undefined;
    const limit = limits === undefined ? undefined : /^Max open files\s+(\d+|unlimited)\s/m.exec(limits)![1];
    expect(text).toBe(`too many open files (EMFILE${limit === undefined ? '' : `, ulimit -n is ${limit}`}); raise the limit (ulimit -n 1024) and run again`);
  });

  it('ENFILE: the system\'s table, which no ulimit raises', () => {
    expect(runtimeProblem(errno('ENFILE', 'ENFILE: file table overflow, open'))).toBe('the system has too many files open (ENFILE); close some programs, or raise fs.file-max, and run again');
  });

  it('better-sqlite3\'s addon missing (installed with --ignore-scripts) or built for another Node', () => {
    const missing = new Error('Could not locate the bindings file. Tried:\n → /p/node_modules/better-sqlite3/build/better_sqlite3.node\n → /p/node_modules/better-sqlite3/build/Debug/better_sqlite3.node');
    expect(runtimeProblem(missing)).toBe("better-sqlite3's native addon cannot be loaded (Could not locate the bindings file. Tried:); in barge's directory run: npm rebuild better-sqlite3 (it compiles with python3, make and a C++ compiler when no prebuilt binary fits)");
    const other = errno('ERR_DLOPEN_FAILED', "The module '/p/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127.");
    expect(runtimeProblem(other)).toBe("better-sqlite3's native addon cannot be loaded (The module '/p/node_modules/better-sqlite3/build/Release/better_sqlite3.node'); in barge's directory run: npm rebuild better-sqlite3 (it compiles with python3, make and a C++ compiler when no prebuilt binary fits)");
  });

  it('anything else is not one of these', () => {
    expect(runtimeProblem(new Error('no such column: x'))).toBeUndefined();
    expect(runtimeProblem(errno('ENOENT', 'ENOENT: no such file or directory'))).toBeUndefined();
    expect(runtimeProblem('a string')).toBeUndefined();
  });
});
