import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, importMakers, ROOT, workdir } from '../helpers/cli.js';

/**
 * Issue 6: the --json output of import, validate, export, stats and jobs parses,
 * and has exactly the fields the README's "JSON output" table documents (the
 * test reads the table, so the two cannot drift apart).
 */

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const SCHEMA = ['--schema', 'fixtures/products.schema.json'];

/** "import.counts" -> ["read", "inserted", ...], from the README's table. */
function documentedShapes(): Map<string, string[]> {
  const start = README.indexOf('\n### JSON output\n');
  expect(start, 'README.md has a "### JSON output" section').toBeGreaterThan(-1);
  const section = README.slice(start + 1, README.indexOf('\n## ', start + 1));
  const shapes = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const row = /^\| `([^`]+)` \| ([^|]+) \|/.exec(line);
    if (!row) continue;
    shapes.set(row[1]!, [...row[2]!.matchAll(/`([A-Za-z][A-Za-z0-9]*)`/g)].map((m) => m[1]!));
  }
  return shapes;
}

const shapes = documentedShapes();

function fieldsOf(path: string): string[] {
  const fields = shapes.get(path);
  expect(fields, `README.md's JSON output table has a row for ${path}`).toBeDefined();
  return [...fields!].sort();
}

function expectShape(value: unknown, path: string): void {
  expect(value, path).toBeTypeOf('object');
  expect(value, path).not.toBeNull();
  expect(Object.keys(value as object).sort(), path).toEqual(fieldsOf(path));
}

function parseOne(stdout: string): any {
  // One JSON value, on one line, and nothing else on stdout.
  expect(stdout.split('\n')).toHaveLength(1);
  return JSON.parse(stdout);
}

/**
 * The import runs whose output the shape test checks, in order; they also leave the state the
 * other tests read (products loaded, the jobs "first" (atomic, succeeded) and "part" (row, partial),
 * a failed atomic job), so they run in beforeAll: `-t` on any one test still has them.
 */
const IMPORT_RUNS = [
  { args: ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'first'], exit: 0, status: 'succeeded' },
  { args: ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'first'], exit: 0, status: 'succeeded', alreadySucceeded: true, alreadyFinished: true },
  { args: ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--on-conflict', 'update', '--errors', 'row.ndjson', '--job-id', 'part'], exit: 1, status: 'partial' },
  // A partial job run again under its id: nothing done, and it did not succeed.
  { args: ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--on-conflict', 'update', '--errors', 'row.ndjson', '--job-id', 'part'], exit: 1, status: 'partial', alreadySucceeded: false, alreadyFinished: true },
  { args: ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--on-conflict', 'update', '--errors', 'atomic.ndjson'], exit: 1, status: 'failed' },
  { args: ['import', 'fixtures/products.csv', ...SCHEMA, '--on-conflict', 'update', '--dry-run'], exit: 0, status: 'succeeded', dryRun: true },
  // A dry run of a job that already succeeded: nothing done, and it was a dry run (it said dryRun false).
  { args: ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'first', '--dry-run'], exit: 0, status: 'succeeded', alreadySucceeded: true, alreadyFinished: true, dryRun: true },
];

describe('--json output', () => {
  let dir: string;
  const importResults: Array<{ exitCode: number; stdout: string; stderr: string }> = [];
  beforeAll(async () => {
    dir = workdir();
    await importMakers(dir);
    for (const run of IMPORT_RUNS) importResults.push(await barge(dir, [...run.args, '--json']));
  });

  it('the README documents every shape', () => {
    expect([...shapes.keys()].sort()).toEqual([
      'error', 'error.error', 'export', 'import', 'import.counts', 'jobs[]', 'jobs[].checkpoint', 'jobs[].counts', 'jobs[].inputs[]',
      'stats', 'stats.jobs', 'stats.jobs.byStatus', 'stats.lastJobs[]', 'stats.tables[]', 'stats.tables[].columns[]',
      'validate', 'validate.counts',
    ]);
  });

  it('import: succeeded, partial (row), failed (atomic), dry run and an id that already succeeded have one shape', () => {
    expect(importResults).toHaveLength(IMPORT_RUNS.length);
    for (const [i, run] of IMPORT_RUNS.entries()) {
      const result = importResults[i]!;
      expect(result.exitCode, result.stderr).toBe(run.exit);
      const json = parseOne(result.stdout);
      expectShape(json, 'import');
      expectShape(json.counts, 'import.counts');
      expect(json).toMatchObject({
        command: 'import', status: run.status, alreadySucceeded: run.alreadySucceeded ?? false, alreadyFinished: run.alreadyFinished ?? false, table: 'products', db: 'barge.db',
      });
      expect(json.inputs).toEqual([run.args[1]]);
      expect(json.dryRun).toBe(run.dryRun ?? false);
      // A dry run records no job: no id (it printed one `barge jobs` did not know); a job run again is named.
      if (run.dryRun && !run.alreadyFinished) expect(json.jobId).toBeNull();
      else if (run.args.includes('--job-id')) expect(json.jobId).toBe(run.args[run.args.indexOf('--job-id') + 1]);
      else expect(json.jobId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
      expect(Array.isArray(json.firstErrors)).toBe(true);
      for (const key of ['durationMs', 'recordsPerSecond', 'batchesCommitted']) expect(json[key], key).toBeTypeOf('number');
      if (run.status === 'succeeded') expect(json.reportPath).toBeNull();
      else expect(json.reportPath).toBe(path.join(fs.realpathSync(dir), run.status === 'partial' ? 'row.ndjson' : 'atomic.ndjson'));
    }
  });

  it('import: a finished job run again under its id names the inputs the job read, not the ones given now', async () => {
    // The same file by another path (./…): the same import, so "already finished", not another one (refused).
    const again = await barge(dir, ['import', './fixtures/bad/products-bad-price.csv', ...SCHEMA, '--job-id', 'part', '--json']);
    expect(again.exitCode).toBe(1);
    expect(parseOne(again.stdout)).toMatchObject({ alreadyFinished: true, status: 'partial', inputs: ['fixtures/bad/products-bad-price.csv'] });
  });

  it('import: the partial run in numbers', async () => {
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--on-conflict', 'update', '--errors', 'again.ndjson', '--json']);
    const json = parseOne(result.stdout);
    expect(json.counts).toEqual({ read: 12, inserted: 0, updated: 11, ignored: 0, rejected: 1 });
    expect(json).toMatchObject({ mode: 'row', dryRun: false, rolledBack: false, stoppedEarly: null, batchesCommitted: 1 });
    expect(json.firstErrors).toEqual(['fixtures/bad/products-bad-price.csv:line 7, column "price": expected a number >= 0, got "-3"']);
  });

  it('validate', async () => {
    for (const [file, exit] of [['fixtures/products.csv', 0], ['fixtures/bad/products-bad-price.csv', 1]] as const) {
      const result = await barge(dir, ['validate', file, ...SCHEMA, '--errors', 'v.ndjson', '--json']);
      expect(result.exitCode, result.stderr).toBe(exit);
      const json = parseOne(result.stdout);
      expectShape(json, 'validate');
      expectShape(json.counts, 'validate.counts');
      expect(json).toMatchObject({ command: 'validate', table: 'products', schema: 'file', inputs: [file], stoppedEarly: null });
      expect(json.counts).toEqual(exit === 0 ? { read: 12, valid: 12, rejected: 0 } : { read: 12, valid: 11, rejected: 1 });
      expect(json.warnings).toEqual([]);
    }
  });

  it('validate\'s warnings, as import\'s: the lines stderr shows, in the JSON also under --quiet', async () => {
    fs.writeFileSync(path.join(dir, 'w.csv'), 'id,name\n1,\\N\n');
    const warning = 'w.csv:2, column "name": the field \\N, which PostgreSQL and MySQL write for NULL, is read as the text \\N; pass --null \'\\N\' to read it as missing (NULL)';
    const loud = await barge(dir, ['validate', 'w.csv', '--json']);
    expect(loud.exitCode, loud.stderr).toBe(0);
    expect(loud.stderr.split('\n')[0]).toBe(`barge: ${warning}`);
    expect(parseOne(loud.stdout).warnings).toEqual([warning]);
    const quiet = await barge(dir, ['validate', 'w.csv', '--json', '--quiet']);
    expect(quiet.stderr).toBe('');
    expect(parseOne(quiet.stdout).warnings).toEqual([warning]);
  });

  it('export, with --table and with --query', async () => {
    const table = parseOne((await barge(dir, ['export', '--table', 'products', '--out', 'p.csv.gz', '--json'])).stdout);
    expectShape(table, 'export');
    expect(table).toMatchObject({ command: 'export', db: 'barge.db', table: 'products', query: null, format: 'csv', out: 'p.csv.gz', gzip: true, rows: 12 });
    const query = parseOne((await barge(dir, ['export', '--query', 'SELECT id FROM makers', '--out', 'm.ndjson', '--json'])).stdout);
    expectShape(query, 'export');
    expect(query).toMatchObject({ table: null, query: 'SELECT id FROM makers', format: 'ndjson', gzip: false, rows: 5 });
  });

  it('stats, and stats --table', async () => {
    for (const args of [[], ['--table', 'products']]) {
      const result = await barge(dir, ['stats', ...args, '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      const json = parseOne(result.stdout);
      expectShape(json, 'stats');
      expect(json).toMatchObject({ command: 'stats', db: 'barge.db', table: args[1] ?? null });
      expect(json.tables.length).toBeGreaterThan(0);
      for (const table of json.tables) {
        expectShape(table, 'stats.tables[]');
        for (const column of table.columns) expectShape(column, 'stats.tables[].columns[]');
      }
      expectShape(json.jobs, 'stats.jobs');
      expectShape(json.jobs.byStatus, 'stats.jobs.byStatus');
      expect(json.lastJobs.length).toBeGreaterThan(0);
      for (const job of json.lastJobs) {
        expectShape(job, 'stats.lastJobs[]');
        expectShape(job.counts, 'import.counts');
      }
    }
  });

  it('jobs, and jobs <id>: each job has the documented fields, a checkpoint once a batch/row job committed', async () => {
    const result = await barge(dir, ['jobs', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const jobs = parseOne(result.stdout);
    expect(Array.isArray(jobs)).toBe(true);
    expect(jobs.length).toBeGreaterThanOrEqual(4);
    let checkpoints = 0;
    for (const job of jobs) {
      expectShape(job, 'jobs[]');
      expectShape(job.counts, 'jobs[].counts');
      for (const input of job.inputs) expectShape(input, 'jobs[].inputs[]');
      if (job.checkpoint !== null) {
        checkpoints++;
        expectShape(job.checkpoint, 'jobs[].checkpoint');
        expectShape(job.checkpoint.counts, 'jobs[].counts');
      } else {
        expect(job.mode === 'atomic' || job.batchesCommitted === 0, job.id).toBe(true);
      }
      const one = parseOne((await barge(dir, ['jobs', job.id, '--json'])).stdout);
      expect(one).toEqual(job);
    }
    expect(checkpoints).toBeGreaterThan(0);
    expect(jobs.find((job: { id: string }) => job.id === 'first')).toMatchObject({
      status: 'succeeded', table: 'products', mode: 'atomic', counts: { read: 12, inserted: 12, updated: 0, ignored: 0, rejected: 0 },
      inputs: [{ name: 'fixtures/products.csv', format: 'csv', size: fs.statSync(path.join(dir, 'fixtures/products.csv')).size }],
    });
  });

  it('a run that ends in an error prints the error shape: usage, input, database', async () => {
    const cases: Array<{ args: string[]; exit: number; error: { code: string; message: string; input: string | null; line: number | null; column: string | null } }> = [
      { args: ['import', 'fixtures/products.csv', '--batch-size', '0', '--json'], exit: 2,
        error: { code: 'usage', message: '--batch-size must be an integer from 1 to 1000000, got "0"', input: null, line: null, column: null } },
      { args: ['validate', 'fixtures/bad/corpus/unterminated-quote.csv', ...SCHEMA, '--json'], exit: 2,
        error: { code: 'input', message: 'fixtures/bad/corpus/unterminated-quote.csv:3, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line', input: 'fixtures/bad/corpus/unterminated-quote.csv', line: 3, column: 'name' } },
      { args: ['stats', '--db', 'missing.db', '--json'], exit: 2,
        error: { code: 'usage', message: 'database "missing.db" does not exist; check --db (or $BARGE_DB), or import into it first', input: null, line: null, column: null } },
      { args: ['export', '--table', 'nope', '--out', 'x.csv', '--json'], exit: 2,
        error: { code: 'usage', message: 'no table "nope" in barge.db; list the tables with: barge stats --db barge.db', input: null, line: null, column: null } },
      // The command is found after a global option's value, and --out=FILE is a file.
      { args: ['--db', 'missing.db', 'stats', '--json'], exit: 2,
        error: { code: 'usage', message: 'put --db after the command name: barge stats --db missing.db --json', input: null, line: null, column: null } },
      { args: ['export', '--table', 'nope', '--out=x.csv', '--json'], exit: 2,
        error: { code: 'usage', message: 'no table "nope" in barge.db; list the tables with: barge stats --db barge.db', input: null, line: null, column: null } },
    ];
    for (const c of cases) {
      const result = await barge(dir, c.args);
      expect(result.exitCode, result.stderr).toBe(c.exit);
      const json = parseOne(result.stdout);
      expectShape(json, 'error');
      expectShape(json.error, 'error.error');
      expect(json).toEqual({ command: c.args.find((arg) => ['import', 'validate', 'stats', 'export'].includes(arg)), error: c.error, exitCode: c.exit });
      expect(result.stderr).toBe(`barge: error: ${c.error.message}`);
    }
    // An export writing its data to stdout keeps stdout for the data.
    expect(await barge(dir, ['export', '--table', 'nope', '--out', '-', '--json'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: --json needs --out <file>: without it stdout carries the exported data',
    });
  });

  it('--json with --quiet: the JSON on stdout, nothing on stderr', async () => {
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--on-conflict', 'update', '--errors', 'q.ndjson', '--json', '--quiet']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('');
    expectShape(parseOne(result.stdout), 'import');
  });
});
