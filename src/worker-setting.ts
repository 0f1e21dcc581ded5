/**
 * BARGE_WORKER=always|never: whether imports, validations and exports may use a worker
 * thread. Unset (`auto`), each decides by its input's size; `always` (the tests) starts one
 * even for small inputs, `never` keeps everything on one thread.
 */
export type WorkerSetting = 'auto' | 'always' | 'never';

export function workerSetting(): WorkerSetting {
  const setting = process.env.BARGE_WORKER;
  return setting === 'always' || setting === 'never' ? setting : 'auto';
}
