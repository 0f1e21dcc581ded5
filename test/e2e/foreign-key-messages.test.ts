import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/** A FOREIGN KEY failure that no key of the record explains: the rows referring to the one it replaces or changes. */

describe('--on-conflict replace/update of a row other rows refer to', () => {
  function setUp(): string {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'mk.json'), JSON.stringify({ table: 'makers', primaryKey: ['id'], columns: { id: { type: 'string', required: true }, code: { type: 'string', unique: true } } }));
    fs.writeFileSync(path.join(dir, 'pr.json'), JSON.stringify({ table: 'products', primaryKey: ['sku'], columns: { sku: { type: 'string', required: true }, parent_code: { type: 'string', references: 'makers.code' } } }));
    fs.writeFileSync(path.join(dir, 'm.csv'), 'id,code\nM-1,AC\nM-2,BR\n');
    fs.writeFileSync(path.join(dir, 'p.csv'), 'sku,parent_code\nS1,AC\n');
    fs.writeFileSync(path.join(dir, 'change.csv'), 'id,code\nM-1,XX\n');
    return dir;
  }

  it('names the referring rows and what to do (it said only "a foreign key constraint failed")', async () => {
    const dir = setUp();
    for (const args of [['m.csv', '--schema', 'mk.json'], ['p.csv', '--schema', 'pr.json']]) {
      const result = await barge(dir, ['import', ...args, '--quiet']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const replaced = await barge(dir, ['import', 'change.csv', '--table', 'makers', '--on-conflict', 'replace', '--mode', 'row']);
    expect(replaced.exitCode).toBe(1);
    expect(replaced.stderr).toContain('change.csv:line 2: a foreign key constraint failed: rows of "products" (parent_code → code) refer to the row this record replaces, which replace deletes first; use --on-conflict update, which keeps the row');
    const updated = await barge(dir, ['import', 'change.csv', '--table', 'makers', '--on-conflict', 'update', '--mode', 'row']);
    expect(updated.exitCode).toBe(1);
    expect(updated.stderr).toContain('change.csv:line 2: a foreign key constraint failed: rows of "products" (parent_code → code) refer to the key this record changes');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, code FROM makers ORDER BY id')).toEqual([{ id: 'M-1', code: 'AC' }, { id: 'M-2', code: 'BR' }]);
  });
});
