import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';

describe('an input truncated by another process while barge reads it', () => {
  it('exit 3 saying it was cut short; no record of the cut line is loaded (its last line loaded cut mid-line, exit 0)', async () => {
    const dir = workdir();
    const file = path.join(dir, 'in.csv');
    let text = 'id,name\n';
    for (let i = 0; i < 1_000_000; i++) text += `${i},n${i}\n`;
    fs.writeFileSync(file, text);
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    const child = execa('node', [BIN, 'import', 'in.csv', '--schema', 's.json', '--mode', 'batch', '--batch-size', '100', '--no-progress'], {
      cwd: dir, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
    });
    const job = await waitForBatches(path.join(dir, 'barge.db'), 20);
    // Cut mid-line, well behind what was read so far or ahead of it: either way the file now ends early.
    fs.truncateSync(file, 500_003);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(3);
    const said = new RegExp(`^barge: error: input "in\\.csv" was cut short while it was read \\(it ended after (\\d+) of its ${text.length} bytes\\): another process truncated or rewrote it; put the complete file back and resume it: barge import --resume ${job.id} \\(job ${job.id}: the ([\\d,]+) batches committed before this, ([\\d,]+) records, stay\\)$`).exec(String(result.stderr));
    expect(said, String(result.stderr)).not.toBeNull();
    const [ended, batches, records] = said!.slice(1).map((figure) => Number(figure.replaceAll(',', '')));
    // It read up to the cut (500,003 bytes), or beyond it when the cut came behind its reading:
    // the batches committed are the whole batches of 100 among the whole records in what it read.
    expect(ended).toBeGreaterThanOrEqual(500_003);
    const whole = text.slice(0, ended).split('\n').length - 2;
    expect(records).toBe(Math.floor(whole / 100) * 100);
    expect(batches).toBe(records! / 100);
    // Every row loaded is a whole line of the file as it was: ids 0 to records - 1.
    const loaded = rows<{ id: number; name: string }>(path.join(dir, 'barge.db'), 'SELECT id, name FROM t ORDER BY id');
    expect(loaded).toHaveLength(records!);
    loaded.forEach((row, i) => expect(row).toEqual({ id: i, name: `n${i}` }));
    expect(rows(path.join(dir, 'barge.db'), 'SELECT status, batches_committed AS b, inserted FROM _barge_jobs')).toEqual([{ status: 'failed', b: batches, inserted: records }]);
    // As the message says: the complete file back, and the job resumed: every record once.
    fs.writeFileSync(file, text);
    const resumed = await execa('node', [BIN, 'import', '--resume', job.id, '--quiet'], { cwd: dir, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '' } });
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM t')).toEqual([{ n: 1_000_000, d: 1_000_000 }]);
  });
});

describe('an input appended to by another process while barge reads it', () => {
  // A producer still writing: the line it was appending (`12` of `12.5`) was loaded cut short,
  // exit 0, and a rerun of the job's id said it was done. A file is read to its size at open.
  for (const worker of ['always', 'never']) {
    it(`is read to the size it had when opened: the appended line is not loaded, and the job's size and sha256 are of what it read (BARGE_WORKER=${worker})`, async () => {
      const dir = workdir();
      const file = path.join(dir, 'in.csv');
      let text = 'id,price\n';
      for (let i = 1; i <= 400_000; i++) text += `${i},${i}.5\n`;
      fs.writeFileSync(file, text);
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, price: { type: 'number' } } }));
      const child = execa('node', [BIN, 'import', 'in.csv', '--schema', 's.json', '--mode', 'row', '--batch-size', '100', '--no-progress', '--json'], {
        cwd: dir, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', NO_COLOR: '1', BARGE_WORKER: worker },
      });
      await waitForBatches(path.join(dir, 'barge.db'), 5);
      fs.appendFileSync(file, '400001,12');
      const result = await child;
      fs.appendFileSync(file, '.5\n');
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(JSON.parse(String(result.stdout)).counts).toMatchObject({ read: 400_000, inserted: 400_000, rejected: 0 });
      expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, max(id) AS last FROM t')).toEqual([{ n: 400_000, last: 400_000 }]);
      const [job] = rows<{ inputs: string }>(path.join(dir, 'barge.db'), 'SELECT inputs FROM _barge_jobs');
      const [input] = JSON.parse(job!.inputs) as Array<{ size: number; sha256: string }>;
      expect(input!.size).toBe(text.length);
      expect(input!.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    });
  }
});
