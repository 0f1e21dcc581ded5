import { describe, expect, it } from 'vitest';
import { barge, importMakers, workdir } from '../helpers/cli.js';

// A re-run under the --job-id of a finished job loads nothing and says so; its --json gave
// durationMs 0 and recordsPerSecond 0, as though the job had taken no time.
describe('a re-run of a finished job', () => {
  it('--json gives the job\'s own duration and rate, as barge jobs <id> --json does', async () => {
    const dir = workdir();
    await importMakers(dir);
    const args = ['import', 'fixtures/bad/products-bad-qty.csv', '--schema', 'fixtures/products.schema.json', '--mode', 'row', '--job-id', 'J1', '--json'];
    const first = await barge(dir, args);
    expect(first.exitCode, first.stderr).toBe(1);
    const again = await barge(dir, args);
    expect(again.exitCode, again.stderr).toBe(1);
    const rerun = JSON.parse(again.stdout);
    const job = JSON.parse((await barge(dir, ['jobs', 'J1', '--json'])).stdout);
    expect(rerun.alreadyFinished).toBe(true);
    expect(job.durationMs).toBeGreaterThan(0);
    expect(rerun.durationMs).toBe(job.durationMs);
    expect(rerun.recordsPerSecond).toBe(job.recordsPerSecond);
    expect(rerun.counts).toEqual(JSON.parse(first.stdout).counts);
  });
});
