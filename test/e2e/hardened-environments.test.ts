import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, importMakers, rows, workdir } from '../helpers/cli.js';

/**
 * Environments that restrict Node itself: a hardened NODE_OPTIONS, a low limit of open files.
 * barge either works in them or says in one line what to change.
 */

const NO_CODEGEN = { NODE_OPTIONS: '--disallow-code-generation-from-strings' };

/** Everything one import, validate and export of products gives, with `env` on each command. */
async function runAll(dir: string, env: Record<string, string>): Promise<{ table: unknown[]; outputs: string[]; exits: number[] }> {
  await importMakers(dir, 'p.db');
  const runs = [
    await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/products.schema.json', '--db', 'p.db', '--mode', 'row'], { env }),
    await barge(dir, ['import', 'fixtures/products.ndjson', '--schema', 'fixtures/products.schema.json', '--db', 'p.db', '--mode', 'row', '--on-conflict', 'replace'], { env }),
    await barge(dir, ['validate', 'fixtures/products.tsv', '--schema', 'fixtures/products.schema.json', '--db', 'p.db'], { env }),
  ];
  const outputs: string[] = [];
  for (const format of ['csv', 'tsv', 'ndjson', 'json']) {
    const result = await barge(dir, ['export', '--table', 'products', '--format', format, '--out', '-', '--db', 'p.db'], { env });
    runs.push(result);
    outputs.push(result.stdout);
  }
  return { table: rows(path.join(dir, 'p.db'), 'SELECT * FROM products ORDER BY id'), outputs, exits: runs.map((r) => r.exitCode) };
}

describe('NODE_OPTIONS=--disallow-code-generation-from-strings (hardened environments)', () => {
  for (const worker of ['never', 'always']) {
    it(`import, validate and export give what they give without it (BARGE_WORKER=${worker}); every command failed with exit 3`, async () => {
      const plain = await runAll(workdir(), { BARGE_WORKER: worker });
      const hardened = await runAll(workdir(), { BARGE_WORKER: worker, ...NO_CODEGEN });
      expect(plain.table.length).toBeGreaterThan(5);
      expect(hardened.exits).toEqual(plain.exits);
      expect(hardened.table).toEqual(plain.table);
      expect(hardened.outputs).toEqual(plain.outputs);
      expect(plain.outputs[0]!.split('\n')[0]).toBe('id,name,price,qty,active,released,category,tags,maker_id');
    });
  }
});

describe('a low limit of open files (ulimit -n)', () => {
  /** barge under `ulimit -n limit`, through a shell. */
  async function limited(cwd: string, limit: number, args: string[]) {
    const result = await execa('bash', ['-c', `ulimit -n ${limit} && exec node "$0" "$@"`, BIN, ...args], {
      cwd, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
    });
    return { exitCode: result.exitCode, stderr: String(result.stderr) };
  }

  it('too low to load barge: one line saying to raise it, exit 3, no database made (was a stack trace and exit 1, "records rejected")', async () => {
    const dir = workdir();
    for (const args of [['--version'], ['import', 'fixtures/makers.csv', '--db', 'x.db'], ['stats', '--db', 'x.db']]) {
      // 28: Node 20 itself starts with ~19 files open; loading barge needs ~40.
      const result = await limited(dir, 28, args);
      expect({ exitCode: result.exitCode, stderr: result.stderr }, args.join(' ')).toEqual({
        exitCode: 3,
        stderr: 'barge: error: too many open files (EMFILE) while starting; raise the limit (ulimit -n 1024) and run again',
      });
    }
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
  });
});
