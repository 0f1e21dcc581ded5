import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { NUMBERED_SCHEMA } from '../helpers/generate.js';

/**
 * A job interrupted, its error report deleted (or cut short), then resumed: the resumed run
 * used to start a new report silently, and its summary counted the lost entries as if the report
 * held them. It now warns, and the report it writes is well-formed: the entries that are left,
 * then those of the records rejected after the resume point.
 */

const TOTAL = 200_000;
const BATCH = 1000;
const REJECTED = Math.floor(TOTAL / 3);
const LOADED = TOTAL - REJECTED;

interface Checkpoint {
  records: number;
  counts: { rejected: number };
  reportBytes: number;
}

/** Every third record has an invalid qty. */
function setup(): { dir: string; db: string } {
  const dir = fs.realpathSync(workdir());
  const lines = ['id,name,qty'];
  for (let id = 1; id <= TOTAL; id++) lines.push(`${id},item ${id},${id % 3 === 0 ? 'none' : id % 1000}`);
  fs.writeFileSync(path.join(dir, 'numbered.csv'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
  return { dir, db: path.join(dir, 'barge.db') };
}

/** Polls the job (WAL lets us read beside the writer) until it has committed `batches`. */
async function waitForBatches(db: string, id: string, batches: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        const job = conn.prepare('SELECT batches_committed AS b FROM _barge_jobs WHERE id = ?').get(id) as { b: number } | undefined;
        if (job && job.b >= batches) return;
      } finally {
        conn.close();
      }
    } catch {
      // No database or table yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${id} never reached ${batches} batches`);
}

/** Starts a row-mode import writing `report`, interrupts it (SIGINT) after 5 batches; returns its checkpoint. */
async function interrupted(dir: string, db: string, report: string): Promise<Checkpoint> {
  const run = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--batch-size', String(BATCH), '--errors', report, '--job-id', 'j1'], {
    cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
  });
  await waitForBatches(db, 'j1', 5);
  run.kill('SIGINT');
  expect((await run).exitCode).toBe(130);
  const job = rows<{ status: string; checkpoint: string }>(db, "SELECT status, checkpoint FROM _barge_jobs WHERE id = 'j1'")[0]!;
  expect(job.status).toBe('interrupted');
  const checkpoint = JSON.parse(job.checkpoint) as Checkpoint;
  expect(checkpoint.records).toBeLessThan(TOTAL);
  expect(checkpoint.counts.rejected).toBeGreaterThan(0);
  expect(checkpoint.reportBytes).toBeGreaterThan(0);
  return checkpoint;
}

/** The ids of the invalid records after `from`: those the resumed run rejects. */
function rejectedAfter(from: number): number[] {
  const ids: number[] = [];
  for (let id = from + 1; id <= TOTAL; id++) if (id % 3 === 0) ids.push(id);
  return ids;
}

function idsOf(file: string): number[] {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return (JSON.parse(text) as Array<{ id: string }>).map((entry) => Number(entry.id));
  if (file.endsWith('.csv')) return (parse(text, { columns: true }) as Array<{ id: string }>).map((entry) => Number(entry.id));
  return text.split('\n').filter((line) => line !== '').map((line) => Number((JSON.parse(line) as { id: string }).id));
}

async function resume(dir: string, db: string): Promise<string[]> {
  const resumed = await barge(dir, ['import', '--resume', 'j1']);
  expect(resumed.exitCode, resumed.stderr).toBe(1);
  // The job's counts include the records rejected before the interruption, lost or not.
  expect(rows(db, "SELECT status, rejected, inserted FROM _barge_jobs WHERE id = 'j1'")[0]).toEqual({ status: 'partial', rejected: REJECTED, inserted: LOADED });
  expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM numbered')[0]).toEqual({ n: LOADED, d: LOADED });
  const stderr = resumed.stderr.split('\n');
  expect(stderr).toContain(`  read ${TOTAL.toLocaleString('en-US')}, inserted ${LOADED.toLocaleString('en-US')}, rejected ${REJECTED.toLocaleString('en-US')}`);
  return stderr;
}

describe('resuming a job whose error report is gone', () => {
  for (const report of ['report.ndjson', 'report.json', 'report.csv']) {
    it(`${report} deleted: a warning, and a report of the records rejected after the resume point`, async () => {
      const { dir, db } = setup();
      const checkpoint = await interrupted(dir, db, report);
      const file = path.join(dir, report);
      fs.rmSync(file);

      const stderr = await resume(dir, db);
      const rejected = checkpoint.counts.rejected;
      expect(stderr[0]).toBe(`barge: the error report ${file} is missing: the entries of the ${rejected.toLocaleString('en-US')} records rejected before the job stopped are lost from it (the job's counts still include them)`);
      expect(idsOf(file)).toEqual(rejectedAfter(checkpoint.records));
    });
  }
});

describe('resuming a job whose error report was cut short', () => {
  for (const report of ['report.ndjson', 'report.json', 'report.csv']) {
    it(`${report} cut inside an entry: a warning; the whole entries left, then the new ones`, async () => {
      const { dir, db } = setup();
      const checkpoint = await interrupted(dir, db, report);
      const file = path.join(dir, report);
      const before = fs.readFileSync(file);
      // Halfway through the committed entries: inside one, most likely, and never at a line's end.
      let cut = Math.floor(checkpoint.reportBytes / 2);
      while (before[cut - 1] === 0x0a || before[cut] === 0x0a) cut++;
      fs.truncateSync(file, cut);
      // The entries wholly before the cut: one a line (the CSV has a header line, the JSON its "[").
      const whole = before.subarray(0, cut).toString('utf8').split('\n').slice(report === 'report.ndjson' ? 0 : 1, -1);
      const kept = whole.map((line) => Number(/"id":"(\d+)"|,(\d+),item /.exec(line)!.slice(1).find((id) => id !== undefined)));
      expect(kept.length).toBeGreaterThan(0);
      expect(kept).toEqual(rejectedAfter(0).slice(0, kept.length));

      const stderr = await resume(dir, db);
      const rejected = checkpoint.counts.rejected;
      expect(stderr[0]).toBe(`barge: the error report ${file} is shorter than the ${checkpoint.reportBytes.toLocaleString('en-US')} bytes the job had written: entries of the ${rejected.toLocaleString('en-US')} records rejected before the job stopped are lost from it (the job's counts still include them)`);
      expect(idsOf(file)).toEqual([...kept, ...rejectedAfter(checkpoint.records)]);
    });
  }
});
