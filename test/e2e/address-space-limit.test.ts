import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { writeNumberedCsv } from '../helpers/generate.js';

/**
 * Under `ulimit -v` 1.2-1.8 GB the worker thread's start ended barge in V8's "Fatal process out
 * of memory" (exit 133, no barge message, the job left running). Below 2.5 GiB barge keeps to
 * one thread, which runs down to ~1.1 GB.
 */
describe('an address-space limit (ulimit -v 1600000)', () => {
  it('an import big enough for the worker runs on one thread: exit 0, every row', async () => {
    const dir = workdir();
    writeNumberedCsv(path.join(dir, 'n.csv'), 100_000);
    const result = await execa('bash', ['-c', `ulimit -v 1600000 && exec node ${JSON.stringify(BIN)} import n.csv --table n --quiet`], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', BARGE_WORKER: '', NODE_OPTIONS: '' } });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stderr)).toBe('');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, sum(id) AS s FROM n')).toEqual([{ n: 100_000, s: 100_000 * 100_001 / 2 }]);
  });
});
