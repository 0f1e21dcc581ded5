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

/** Why BARGE_WORKER cannot be read (a typo such as `nevr` went unseen), or undefined; unset or empty is `auto`. */
export function workerSettingProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.BARGE_WORKER;
  if (setting === undefined || setting === '' || setting === 'auto' || setting === 'always' || setting === 'never') return undefined;
  return `BARGE_WORKER must be always, never or auto, got ${JSON.stringify(setting)}; unset it for the default (auto)`;
}
