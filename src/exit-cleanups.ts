/**
 * Work that must happen even when the process is ended at once: a second SIGINT/SIGTERM
 * exits without unwinding (cli/signals.ts), and an export's temporary file beside its --out
 * was left behind. Each cleanup is synchronous and must not throw.
 */
const cleanups = new Set<() => void>();

/** Registers `cleanup` until the returned function is called. */
export function onAbruptExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Runs every registered cleanup (the signal handler calls this right before exiting). */
export function runAbruptExitCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: nothing more can be done here.
    }
  }
  cleanups.clear();
}
