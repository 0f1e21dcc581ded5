import { addressSpaceLimit, availableCpus } from './available-cpus.js';

/**
 * Below this address-space limit (`ulimit -v`) a second thread does not start: each V8 isolate
 * reserves its own code range and heap, and under `ulimit -v` 1.2-1.8 GB the worker's start
 * ended barge in V8's "Fatal process out of memory" (exit 133/134, no message, the job left
 * running), where one thread runs down to ~1.1 GB.
 */
const WORKER_MIN_ADDRESS_SPACE = 2.5 * 2 ** 30;

/**
 * BARGE_WORKER=always|never: whether imports, validations and exports may use a worker
 * thread. Unset (`auto`), each decides by its input's size; `always` (the tests) starts one
 * even for small inputs, `never` keeps everything on one thread. With less than one and a half
 * CPUs to run on, `auto` is `never`: the two threads would only take turns (available-cpus.ts);
 * so it is under an address-space limit below WORKER_MIN_ADDRESS_SPACE.
 */
export type WorkerSetting = 'auto' | 'always' | 'never';

// What the machine allows, read once: a run asks several times (the early worker, the source,
// validate's split), and neither changes while it runs.
let cpusSeen: number | undefined;
let addressSpaceSeen: number | undefined;
const cpusOnce = (): number => (cpusSeen ??= availableCpus());
const addressSpaceOnce = (): number => (addressSpaceSeen ??= addressSpaceLimit());

export function workerSetting(env: NodeJS.ProcessEnv = process.env, cpus: () => number = cpusOnce, addressSpace: () => number = addressSpaceOnce): WorkerSetting {
  const setting = env.BARGE_WORKER;
  if (setting === 'always' || setting === 'never') return setting;
  return cpus() < 1.5 || addressSpace() < WORKER_MIN_ADDRESS_SPACE ? 'never' : 'auto';
}

/** Why BARGE_WORKER cannot be read (a typo such as `nevr` went unseen), or undefined; unset or empty is `auto`. */
export function workerSettingProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.BARGE_WORKER;
  if (setting === undefined || setting === '' || setting === 'auto' || setting === 'always' || setting === 'never') return undefined;
  return `BARGE_WORKER must be always, never or auto, got ${JSON.stringify(setting)}; unset it for the default (auto)`;
}
