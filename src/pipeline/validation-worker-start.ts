import { Worker } from 'node:worker_threads';
import { workerSetting } from '../worker-setting.js';
import type { ToWorker, WorkerStart } from './worker-protocol.js';
import { EarlyWorker, fileSize } from './early-worker.js';

/**
 * Below this much input a worker's start-up (~40 ms) costs more than it saves.
 * BARGE_WORKER=always|never overrides (tests and the benchmark use it).
 */
export const WORKER_MIN_BYTES = 1 << 20;

/**
 * The worker's young generation would grow to V8's default 32 MB; what it keeps alive is a
 * chunk or two, so 16 MB costs no CPU (1M-row CSV: worker 1.6-1.8 s either way) and takes
 * ~10-15 MB off the peak RSS. At 8 MB its CPU rose by ~0.4-0.7 s (more scavenges, and GC
 * helper threads busy).
 */
const WORKER_YOUNG_GENERATION_MB = 16;

/** A validation worker started before the import knew its work (startImportWorkerEarly). */
const early = new EarlyWorker();

/**
 * The import's validation worker (validation-worker.ts), told its work now, or (start null)
 * by a `start` message once the import knows it.
 */
function newValidationWorker(start: WorkerStart | null): Worker {
  return new Worker(new URL('./validation-worker.js', import.meta.url), {
    workerData: start,
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
}

/**
 * Starts the validation worker from bin/barge.js, before this thread loads the CLI's modules,
 * when `barge import`'s arguments name files big enough for one: it loads its own modules
 * (zod, the parsers; ~0.1 s) meanwhile instead of after, and the first rows reach the import
 * thread that much sooner. A guess from the arguments alone (commander has not run): an
 * import that then keeps to one thread (stdin, an upsert, small inputs after all) ends it.
 */
export function startImportWorkerEarly(args: readonly string[]): void {
  const setting = workerSetting();
  if (setting === 'never') return;
  if (args.includes('-') || args.some((arg, i) => arg === '--on-conflict=update' || (arg === '--on-conflict' && args[i + 1] === 'update'))) return;
  const minBytes = setting === 'always' ? 1 : WORKER_MIN_BYTES;
  const bytes = args
    .filter((arg) => !arg.startsWith('-') && /\.(csv|tsv|tab|txt|ndjson|jsonl|json)(\.gz)?$/i.test(arg))
    .reduce((sum, arg) => sum + fileSize(arg), 0);
  if (bytes < minBytes) return;
  early.start(() => newValidationWorker(null));
}

/** The validation worker for this work: the one started early when there is one, else a new one. */
export function startValidationWorker(start: WorkerStart): Worker {
  return early.adopt({ type: 'start', start } satisfies ToWorker) ?? newValidationWorker(start);
}

/** Ends a worker started early that the import does not use (it validates in this thread). */
export function discardEarlyWorker(): void {
  early.discard();
}
