import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open-database.js';
import { tempDir } from '../helpers/temp-dirs.js';

// A reading connection (export, stats, validate --table) sorts through temporary files once
// past its page cache: with temp_store = MEMORY an `export --order-by` of 10M rows held its
// whole sort in memory (1.87 GB peak RSS; 284 MB at 1M, 114 MB now). 0 default, 1 file, 2 memory.
describe('openDatabase: where SQLite keeps its temporary data', () => {
  it('a reading connection: files (a sort the size of the table must not be held in memory)', () => {
    const file = path.join(tempDir('barge-open-db-'), 'a.db');
    openDatabase(file, { busyTimeoutMs: 0 }).close();
    const db = openDatabase(file, { readonly: true, busyTimeoutMs: 0 });
    try {
      expect(db.pragma('temp_store', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('the import\'s writing connection: memory (statement journals only)', () => {
    const db = openDatabase(path.join(tempDir('barge-open-db-'), 'b.db'), { busyTimeoutMs: 0 });
    try {
      expect(db.pragma('temp_store', { simple: true })).toBe(2);
    } finally {
      db.close();
    }
  });
});
