import { runAbruptExitCleanups } from '../exit-cleanups.js';
/**
 * SIGINT/SIGTERM ask the running job to stop at the next chunk boundary (it
 * rolls back its open transaction, writes the report, marks the job
 * interrupted). A second signal exits at once: SQLite's journal keeps the
 * database consistent.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      runAbruptExitCleanups();
      process.exit(130);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
