import fs from 'node:fs';
import { messageOf } from './errors.js';
import { cutText } from './cut-text.js';

/**
 * A failure of the environment barge runs in, not of its input or its database, in words that
 * say what to change: these reached the user as Node's raw text, "(an unexpected failure)", or
 * as a database that could not be opened. undefined for any other error.
 */
export function runtimeProblem(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = messageOf(error);
  // The system's whole table of open files full: no ulimit of this shell helps.
  if (code === 'ENFILE') return 'the system has too many files open (ENFILE); close some programs, or raise fs.file-max, and run again';
  if (code === 'EMFILE' || /\bToo many open files\b/i.test(message)) {
    return `too many open files (EMFILE${openFilesLimitText()}); raise the limit (ulimit -n 1024) and run again`;
  }
  // better-sqlite3's compiled part, loaded at the first database opened: missing (installed
  // with --ignore-scripts), or built for another Node (Node upgraded after the install).
  if (/Could not locate the bindings file|NODE_MODULE_VERSION|better_sqlite3\.node|Cannot find module 'bindings'/.test(message)) {
    const first = message.split('\n')[0]!.trim();
    return `better-sqlite3's native addon cannot be loaded (${cutText(first, 200)}${first.length > 200 ? '…' : ''}); in barge's directory run: npm rebuild better-sqlite3 (it compiles with python3, make and a C++ compiler when no prebuilt binary fits)`;
  }
  return undefined;
}

/** ", ulimit -n is 32" from /proc/self/limits (Linux), or "" where it cannot be read. */
function openFilesLimitText(): string {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return line === null ? '' : `, ulimit -n is ${line[1]}`;
  } catch {
    return '';
  }
}
