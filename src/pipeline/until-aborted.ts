import { BargeError } from '../errors.js';

/** What `untilAborted` gives when the signal came first. */
export const ABORTED = Symbol('aborted');

/**
 * Waits for `work` or the signal, whichever comes first. A read of stdin from a
 * producer that is slow or idle (`tail -f | barge import -`) may not settle for
 * minutes; Ctrl-C must not wait for it. The abandoned promise's failure (its
 * stream is destroyed on the way out) is swallowed.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      resolve(ABORTED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

/** SIGINT/SIGTERM while the first records were read for inferring a schema: nothing was written yet. */
export function interruptedWhileInferring(): BargeError {
  return new BargeError('interrupted', 'interrupted while reading the first records to infer a schema; nothing was written');
}
