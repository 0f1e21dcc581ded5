import { availableCpus } from './available-cpus.js';

/**
 * BARGE_WORKER=always|never: whether imports, validations and exports may use a worker
 * thread. Unset (`auto`), each decides by its input's size; `always` (the tests) starts one
 * even for small inputs, `never` keeps everything on one thread. With less than one and a half
 * CPUs to run on, `auto` is `never`: the two threads would only take turns (available-cpus.ts).
 */
export type WorkerSetting = 'auto' | 'always' | 'never';

export function workerSetting(env: NodeJS.ProcessEnv = process.env, cpus: () => number = availableCpus): WorkerSetting {
  const setting = env.BARGE_WORKER;
  if (setting === 'always' || setting === 'never') return setting;
  return cpus() < 1.5 ? 'never' : 'auto';
}

/** Why BARGE_WORKER cannot be read (a typo such as `nevr` went unseen), or undefined; unset or empty is `auto`. */
export function workerSettingProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.BARGE_WORKER;
  if (setting === undefined || setting === '' || setting === 'auto' || setting === 'always' || setting === 'never') return undefined;
  return `BARGE_WORKER must be always, never or auto, got ${JSON.stringify(setting)}; unset it for the default (auto)`;
}
