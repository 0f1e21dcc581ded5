import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dirs.js';

// Behaviour a mutation-testing round found no test pinned: each test here fails with its mutant.

describe('stats: the job summary', () => {
  it('an interrupted job counts as finished; the median of two rates is their mean', async () => {
    const dir = tempDir('barge-gaps-');
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,name\n1,a\n');
    for (let i = 0; i < 3; i++) {
      const result = await barge(dir, ['import', 'd.csv', '--table', 'd', '--quiet']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const db = new Database(path.join(dir, 'barge.db'));
    const ids = db.prepare('SELECT id FROM _barge_jobs ORDER BY started_at, id').pluck().all() as string[];
    const set = db.prepare('UPDATE _barge_jobs SET status = ?, records_per_second = ? WHERE id = ?');
    set.run('succeeded', 100, ids[0]);
    set.run('interrupted', 300, ids[1]);
    set.run('running', null, ids[2]);
    db.close();

    const json = await barge(dir, ['stats', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).jobs).toEqual({
      total: 3,
      byStatus: { running: 1, succeeded: 1, partial: 0, failed: 0, interrupted: 1 },
      finished: 2,
      successRate: 0.5,
      recordsImported: 3,
      recordsRejected: 0,
      medianRecordsPerSecond: 200,
    });

    const text = await barge(dir, ['stats']);
    expect(text.exitCode, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines).toContain('  success rate      50% (1 of 2 finished jobs succeeded)');
    expect(lines).toContain('  median rate       200 records/s');
  });
});

describe('error reports', () => {
  it('a CSV report\'s header holds every table column, in the table\'s order, after barge\'s fields', async () => {
    const dir = tempDir('barge-gaps-');
    fs.writeFileSync(path.join(dir, 't.json'), JSON.stringify({
      table: 't', columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, price: { type: 'number' } },
    }));
    fs.writeFileSync(path.join(dir, 't.ndjson'), '{"price":2.5,"id":1}\n');
    const result = await barge(dir, ['import', 't.ndjson', '--schema', 't.json', '--errors', 'r.csv']);
    expect(result.exitCode).toBe(1);
    const lines = fs.readFileSync(path.join(dir, 'r.csv'), 'utf8').split('\n');
    expect(lines[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,id,name,price');
    expect(lines[1]).toMatch(/^[^,]+,t\.ndjson,1,1,1,".*",,,1,,2\.5$/);
    expect(lines.slice(2)).toEqual(['']);
  });

  it('--errors ending in .jsonl is an NDJSON report: exit 1, one entry for the bad line', async () => {
    const dir = tempDir('barge-gaps-');
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ table: 'b', columns: { id: { type: 'integer', required: true }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,name\n1,a\nx,b\n3,c\n');
    const result = await barge(dir, ['import', 'b.csv', '--schema', 'b.json', '--errors', 'r.jsonl']);
    expect(result.exitCode, result.stderr).toBe(1);
    const entries = readNdjson(path.join(dir, 'r.jsonl'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      _barge_input: 'b.csv', _barge_line: 3, _barge_record: 2, _barge_batch: 1,
      _barge_errors: [{ column: 'id', code: 'type', message: 'line 3, column "id": expected an integer, got "x"', value: 'x' }],
      _barge_text: true, id: 'x', name: 'b',
    });
  });
});
