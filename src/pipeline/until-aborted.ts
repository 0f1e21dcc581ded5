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

/**
 * The next item `work` reads, or ABORTED when the signal came first: also when it came with the
 * end of the input (`isEnd`) or with a failure to read it. Ctrl-C in `producer | barge import -`
 * ends the producer too, and the end of stdin (or a record cut off mid-quote) and the signal
 * arrive together: libuv hands a signal to JS after the other events of the poll that saw both,
 * so the input was taken as complete, and an interrupted import committed and said "succeeded".
 * Used by import, validate and schema infer.
 */
export async function readUnlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, isEnd: (value: T) => boolean): Promise<T | typeof ABORTED> {
  let value: T | typeof ABORTED;
  try {
    value = await untilAborted(work, signal);
  } catch (error) {
    if (await abortedByNow(signal)) return ABORTED;
    throw error;
  }
  if (value !== ABORTED && isEnd(value) && await abortedByNow(signal)) return ABORTED;
  return value;
}

/**
 * Whether the signal has come, after two turns of the event loop: the first finishes the poll
 * that saw the end of the input (and runs the signal's handler, if it saw the signal too), the
 * second polls again for a signal delivered meanwhile.
 */
async function abortedByNow(signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) return false;
  for (let turn = 0; turn < 2 && !signal.aborted; turn++) await new Promise((resolve) => setImmediate(resolve));
  return signal.aborted;
}
