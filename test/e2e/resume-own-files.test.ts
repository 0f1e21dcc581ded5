import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

/**
 * A resumed job goes on with what it started with: its own error report (not another run's
 * written over it), its own schema file (unchanged), and its inputs under the names it read
 * them by.
 */

const SCHEMA = { table: 't', columns: { id: { type: 'integer' }, v: { type: 'integer', min: 0 } } };

/** A row job "R" stopped by --max-errors 1 after its first batch: records 2 (v -1) rejected, 4 and 6 to come. */
async function stoppedJob(errors?: string): Promise<string> {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 'in.csv'), 'id,v\n1,1\n2,-1\n3,3\n4,-1\n5,5\n6,-1\n');
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
  const first = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '2', '--max-errors', '1', '--job-id', 'R', ...(errors ? ['--errors', errors] : [])]);
  expect(first.exitCode, first.stderr).toBe(1);
  expect(rows(path.join(dir, 'r.db'), "SELECT status FROM _barge_jobs WHERE id = 'R'")).toEqual([{ status: 'failed' }]);
  return dir;
}

describe('a resume and its error report', () => {
  it('a report another run wrote over since the job stopped (validate of the same input): refused, exit 2, nothing written', async () => {
    const dir = await stoppedJob();
    const validated = await barge(dir, ['validate', 'in.csv', '--schema', 's.json', '--quiet']);
    expect(validated.exitCode).toBe(1);
    const written = fs.readFileSync(path.join(dir, 'in.errors.ndjson'), 'utf8');
    const resumed = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db']);
    expect(resumed.exitCode).toBe(2);
    const owner = readNdjson(path.join(dir, 'in.errors.ndjson'))[0]!._barge_job;
    expect(resumed.stderr.trim()).toBe(
      `barge: error: cannot resume job "R": its error report "${path.join(fs.realpathSync(dir), 'in.errors.ndjson')}" now holds the entries of another run (${JSON.stringify(owner)}): another run wrote it since the job stopped (a validate or an import of the same input writes the same default report); move that file away and resume it (the report then starts anew, without the entries of the records the job rejected before it stopped)`,
    );
    // Not cut, not appended to: validate's report as it wrote it.
    expect(fs.readFileSync(path.join(dir, 'in.errors.ndjson'), 'utf8')).toBe(written);
    expect(rows(path.join(dir, 'r.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }]);

    // Moved away: the resume goes on, says the earlier entries are lost, and its report is well-formed.
    fs.renameSync(path.join(dir, 'in.errors.ndjson'), path.join(dir, 'validate.ndjson'));
    const again = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db']);
    expect(again.exitCode, again.stderr).toBe(1);
    expect(again.stderr).toContain('is missing: the entries of the 1 record rejected before the job stopped are lost from it');
    // A job stopped at its --max-errors 1 is resumed to 1 more (README): it stops at line 5 again.
    expect(readNdjson(path.join(dir, 'in.errors.ndjson')).map((entry) => [entry._barge_job, entry._barge_input, entry._barge_line])).toEqual([
      ['R', 'in.csv', 5],
    ]);
    expect(rows(path.join(dir, 'r.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
  });

  for (const report of ['rep.csv', 'rep.json']) {
    it(`${report}: a report of another job's is refused; the job's own is continued, its input named as the first run named it`, async () => {
      const dir = await stoppedJob(report);
      const own = fs.readFileSync(path.join(dir, report));
      // Another import of the same input with the same --errors, under another job id.
      fs.writeFileSync(path.join(dir, 's2.json'), JSON.stringify({ ...SCHEMA, table: 't2' }));
      expect((await barge(dir, ['import', 'in.csv', '--schema', 's2.json', '--db', 'r.db', '--mode', 'row', '--job-id', 'other', '--errors', report])).exitCode).toBe(1);
      const refused = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db']);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain('now holds the entries of another run ("other")');

      fs.writeFileSync(path.join(dir, report), own);
      const resumed = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db', '--json']);
      expect(resumed.exitCode, resumed.stderr).toBe(1);
      const text = fs.readFileSync(path.join(dir, report), 'utf8');
      if (report.endsWith('.json')) {
        expect((JSON.parse(text) as Array<Record<string, unknown>>).map((entry) => [entry._barge_job, entry._barge_input, entry._barge_line])).toEqual([
          ['R', 'in.csv', 3],
          ['R', 'in.csv', 5],
        ]);
      } else {
        // One input, one name: the resumed run's entries named it by its absolute path.
        expect(text.trim().split('\n').slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual(['R,in.csv,3', 'R,in.csv,5']);
      }
    });
  }
});

describe('a resume and its schema file', () => {
  it('edited since the job started: refused, exit 2, the kept schema and the table untouched', async () => {
    const dir = await stoppedJob();
    const kept = rows(path.join(dir, 'r.db'), 'SELECT * FROM _barge_schemas');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ ...SCHEMA, columns: { ...SCHEMA.columns, id: { type: 'integer', max: 2 } } }));
    const resumed = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db']);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr.trim()).toBe(
      `barge: error: cannot resume job "R": schema file "${path.join(fs.realpathSync(dir), 's.json')}" changed since the job started (sha256 differs); put it back as it was and resume it, or: its 1 committed batch (1 record loaded) stay in "t": "t" has no key to skip the records already loaded by, so loading the input again would add them twice: reload the table whole with --truncate under a new --job-id (if it holds only this input)`,
    );
    expect(rows(path.join(dir, 'r.db'), 'SELECT * FROM _barge_schemas')).toEqual(kept);
    expect(rows(path.join(dir, 'r.db'), 'SELECT id FROM t')).toEqual([{ id: 1 }]);
    // Put back as it was: the resume goes on.
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
    const again = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db']);
    expect(again.exitCode, again.stderr).toBe(1);
    expect(rows(path.join(dir, 'r.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
  });

  it('gone: refused, exit 2, saying so', async () => {
    const dir = await stoppedJob();
    fs.rmSync(path.join(dir, 's.json'));
    const resumed = await barge(dir, ['import', '--resume', 'R', '--db', 'r.db']);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr).toContain(`cannot resume job "R": schema file "${path.join(fs.realpathSync(dir), 's.json')}" is gone; put it back as it was and resume it`);
  });
});

describe('what a job that cannot be resumed left', () => {
  it('counts its committed batches, not its rolled-back ones (batch mode)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id,v\n1,1\n2,2\n3,-1\n4,4\n5,5\n6,6\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ ...SCHEMA, primaryKey: ['id'] }));
    // Batch 1 commits, batch 2 (record 3) is rolled back, and --max-errors stops the job.
    const first = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--db', 'r.db', '--mode', 'batch', '--batch-size', '2', '--max-errors', '1', '--job-id', 'B']);
    expect(first.exitCode, first.stderr).toBe(1);
    expect(rows(path.join(dir, 'r.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    fs.appendFileSync(path.join(dir, 'in.csv'), '7,7\n');
    const resumed = await barge(dir, ['import', '--resume', 'B', '--db', 'r.db']);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr).toContain('changed since the job started (size or sha256 differ); its 1 committed batch (2 records loaded) stay in "t": load the input again, whole, under a new --job-id with --on-conflict ignore (the table\'s key skips the records already loaded)');
  });
});
