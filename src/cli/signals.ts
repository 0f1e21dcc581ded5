import { BargeError, EXIT } from '../errors.js';
import { runAbruptExitCleanups } from '../exit-cleanups.js';

/**
 * SIGINT, SIGTERM and SIGHUP (the terminal closed, an ssh session dropped) ask the running
 * command to stop at the next chunk boundary (it rolls back its open transaction, writes the
 * report, marks the job interrupted) and exit 130. A second signal exits at once: SQLite's
 * journal keeps the database consistent. SIGQUIT keeps Node's default: it means "quit now".
 *
 * bin/barge.js installs the handlers before any module loads, so that a signal during the
 * start is recorded rather than fatal; this module takes them over (`handle`).
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface ProcessInterrupt {
  controller: AbortController;
  handle?: (name: NodeJS.Signals) => void;
}

const KEY = Symbol.for('barge.interrupt');

/** The state bin/barge.js made; made here when the CLI runs without it (main.js run directly). */
function processInterrupt(): ProcessInterrupt {
  const global = globalThis as { [KEY]?: ProcessInterrupt };
  const existing = global[KEY];
  if (existing !== undefined) return existing;
  const made: ProcessInterrupt = { controller: new AbortController() };
  for (const name of STOP_SIGNALS) process.on(name, () => made.handle?.(name));
  global[KEY] = made;
  return made;
}

const state = processInterrupt();
/** The exit code once the command's outcome is known: a signal after that no longer changes it. */
let decided: number | undefined;
/** A signal came once the outcome was decided, while output was still waiting (afterOutcome). */
let signalledAfterOutcome = false;
/** What a second signal says on the way out (main.ts: the line on stderr and, with --json, the error document). */
let reportQuit: ((error: BargeError) => void) | undefined;
/** Added to that line by the running command (import: the job left running). */
let quitNote: string | undefined;

state.handle = (name) => {
  if (decided !== undefined) {
    afterOutcome();
    return;
  }
  if (!state.controller.signal.aborted) {
    state.controller.abort(name);
    return;
  }
  try {
    reportQuit?.(new BargeError('interrupted', `interrupted again: quit at once${quitNote === undefined ? '' : `; ${quitNote}`}`));
  } catch {
    // Quitting anyway.
  }
  exitNow(EXIT.interrupted);
};

/**
 * A signal once the outcome is decided does not change the exit code: with nothing left to write,
 * the process ends at once with it. Output still waiting for a slow reader (a full pipe) is let
 * out, whole: exiting now would cut it, and exit 0 would then say it was all there. Another
 * signal cuts it short: exit 130.
 */
function afterOutcome(): void {
  if (!outputPending()) exitNow(decided!);
  // Recorded apart from the run's signal: the run is over, nothing is to stop.
  if (!state.controller.signal.aborted && !signalledAfterOutcome) {
    signalledAfterOutcome = true;
    return;
  }
  exitNow(EXIT.interrupted);
}

function outputPending(): boolean {
  return process.stdout.writableLength > 0 || process.stderr.writableLength > 0;
}

function exitNow(code: number): never {
  runAbruptExitCleanups();
  process.exit(code);
}

/** The process's interrupt, as a signal: aborted by the first SIGINT/SIGTERM/SIGHUP, its reason the signal's name. */
export function interruptSignal(): AbortSignal {
  return state.controller.signal;
}

/** The command's outcome is decided (its output written, if not yet read): see afterOutcome. */
export function settle(exitCode: number): void {
  decided = exitCode;
}

/** How a second signal is reported before the process exits at once (what is written must not wait). */
export function onQuit(report: (error: BargeError) => void): void {
  reportQuit = report;
}

/** A note for the line a second signal prints, e.g. the job it leaves running; undefined clears it. */
export function setQuitNote(note: string | undefined): void {
  quitNote = note;
}

/**
 * Stops a command the signal reached before it began its work (while its modules loaded):
 * exit 130 and one line, as for an interrupt at any other moment.
 */
export function throwIfInterrupted(what = 'interrupted while starting; nothing was written'): void {
  if (state.controller.signal.aborted) throw new BargeError('interrupted', what);
}


