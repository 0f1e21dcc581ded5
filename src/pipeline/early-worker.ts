import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';

/**
 * A worker started from bin/barge.js before the run knows its work, so that it loads its modules
 * beside this thread's (validate's tail worker, the import's validation worker). The run then
 * adopts it with its start message, or ends it. Unref'd until adopted: a run that fails before
 * it needs the worker exits as if it had none.
 */
export class EarlyWorker {
  private started: { worker: Worker; broken: boolean } | undefined;

  /**
   * Starts one (unless one is already started). A worker that cannot be made (no thread to be
   * had: EAGAIN under `ulimit -u` or a cgroup's pids.max) is none: the run asks again when it
   * needs one, and keeps to one thread if that fails too. Thrown here, from bin/barge.js, it
   * ended the process with a stack trace and exit 1 ("records rejected").
   */
  start(make: () => Worker): void {
    if (this.started !== undefined) return;
    let worker: Worker;
    try {
      worker = make();
    } catch {
      return;
    }
    const started = { worker, broken: false };
    started.worker.on('error', () => { started.broken = true; });
    started.worker.on('exit', () => { started.broken = true; });
    started.worker.unref();
    this.started = started;
  }

  /** The worker started early, told its work by `message`; undefined when there is none alive. */
  adopt(message: unknown): Worker | undefined {
    const started = this.started;
    this.started = undefined;
    if (started === undefined) return undefined;
    if (started.broken) {
      void started.worker.terminate();
      return undefined;
    }
    started.worker.removeAllListeners();
    started.worker.ref();
    started.worker.postMessage(message);
    return started.worker;
  }

  /** Ends a worker started early that the run does not use. */
  discard(): void {
    const started = this.started;
    this.started = undefined;
    if (started !== undefined) void started.worker.terminate();
  }
}

/** A file's size, 0 when it cannot be read: for guessing from arguments only. */
export function fileSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}
