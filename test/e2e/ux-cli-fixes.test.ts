import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, importMakers, rows, workdir } from '../helpers/cli.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';
import { hasScript, waitForBatches } from '../helpers/waits.js';

/**
 * What a user sees of the CLI, from an audit: the resume hint under $BARGE_DB, an option put
 * before its command, commander's own errors in barge's words, the help command and texts,
 * BARGE_DEBUG's source maps, a full device named by --out, an interrupted stdin job, tables
 * with CJK names, paths holding a newline, and the bar on a narrow or non-UTF-8 terminal.
 */

const ENV = { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' };
const hasDevFull = fs.existsSync('/dev/full');

function expectOneLine(result: { exitCode: number; stdout: string; stderr: string }, exitCode: number, message: string): void {
  expect(result.stderr).toBe(`barge: error: ${message}`);
  expect(result.exitCode).toBe(exitCode);
  expect(result.stdout).toBe('');
}

function numberedDir(records: number): string {
  const dir = workdir();
  writeNumberedCsv(path.join(dir, 'big.csv'), records);
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
  return dir;
}

describe('the resume hint names --db unless it is the default the same environment finds', () => {
  it('BARGE_DB=other.db, --db barge.db: the hint keeps --db barge.db, and run as printed it resumes that job', async () => {
    const dir = numberedDir(100_000);
    const env = { ...ENV, BARGE_DB: 'other.db' };
    const child = execa('node', [BIN, 'import', 'big.csv', '--db', 'barge.db', '--table', 'big', '--mode', 'batch', '--batch-size', '5'], { cwd: dir, reject: false, env });
    const job = await waitForBatches(path.join(dir, 'barge.db'), 5);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    const headline = String(result.stderr).split('\n')[0]!;
    expect(headline).toMatch(new RegExp(`^barge: import of big\\.csv into "big": interrupted after [\\d,]+ committed batches; continue with: barge import --resume ${job.id} --db barge\\.db$`));
    const printed = /continue with: barge (.*)$/.exec(headline)![1]!.split(' ');
    const resumed = await barge(dir, printed, { env: { BARGE_DB: 'other.db' } });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM big')).toEqual([{ n: 100_000, d: 100_000 }]);
    expect(fs.existsSync(path.join(dir, 'other.db'))).toBe(false);
  });

  it('BARGE_DB=mine.db and no --db: the hint leaves --db out, as the same environment finds it', async () => {
    const dir = numberedDir(100_000);
    const child = execa('node', [BIN, 'import', 'big.csv', '--table', 'big', '--mode', 'batch', '--batch-size', '5', '--quiet'], { cwd: dir, reject: false, env: { ...ENV, BARGE_DB: 'mine.db' } });
    const job = await waitForBatches(path.join(dir, 'mine.db'), 5);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).toMatch(new RegExp(`^barge: import of big\\.csv into "big": interrupted after [\\d,]+ committed batches; continue with: barge import --resume ${job.id}$`));
  });
});

describe('an interrupted stdin job before its first batch', () => {
  it('says nothing was written (not "after 0 committed batches, which stay"); --quiet names the job', async () => {
    for (const quiet of [false, true]) {
      const dir = numberedDir(10);
      const db = path.join(dir, 'barge.db');
      // 100 records, then stdin stays open: a batch of 1000 is never filled, so none is committed.
      const lines = ['id,name,qty', ...Array.from({ length: 100 }, (_, i) => `${i + 1},item,1`)];
      const child = execa('node', [BIN, 'import', '-', '--format', 'csv', '--table', 'waiting', '--mode', 'batch', '--infer-rows', '10', ...(quiet ? ['--quiet'] : [])], { cwd: dir, reject: false, stdin: 'pipe', env: ENV });
      child.stdin!.write(`${lines.join('\n')}\n`);
      const job = await waitForBatches(db, 0);
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      const headline = 'barge: import of stdin into "waiting": interrupted before its first batch was committed; nothing was written';
      if (quiet) expect(String(result.stderr)).toBe(`${headline} (job ${job.id})`);
      else expect(String(result.stderr).split('\n')[0]).toBe(headline);
      expect(rows(db, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'waiting'")).toEqual([{ n: 0 }]);
      expect(rows(db, 'SELECT status, batches_committed AS batches FROM _barge_jobs')).toEqual([{ status: 'interrupted', batches: 0 }]);
    }
  });
});

describe('an option put before the command', () => {
  it('barge --db barge.db stats: says where it goes, with the command as it should be; exit 2', async () => {
    const dir = workdir();
    await importMakers(dir);
    expectOneLine(await barge(dir, ['--db', 'barge.db', 'stats']), 2, 'put --db after the command name: barge stats --db barge.db');
    expectOneLine(await barge(dir, ['--db=barge.db', '--quiet', 'jobs', '--limit', '1']), 2, 'put --db after the command name: barge jobs --db=barge.db --quiet --limit 1');
    expectOneLine(await barge(dir, ['--table', 'makers', 'schema', 'infer', 'fixtures/makers.csv']), 2, 'put --table after the command name: barge schema infer --table makers fixtures/makers.csv');
    // A word a shell would split or a newline: quoted, so that the command runs as printed, on one line.
    expectOneLine(await barge(dir, ['--db', 'my db\n.db', 'stats']), 2, "put --db after the command name: barge stats --db $'my db\\n.db'");
    // No command at all.
    expectOneLine(await barge(dir, ['--db', 'x.db']), 2, "put --db after a command's name: barge <command> --db x.db; see barge --help");
    // Not an option of any command: as before.
    expectOneLine(await barge(dir, ['--bogus', 'stats']), 2, "unknown option '--bogus'; see barge --help");
  });

  it('with --json: the error document, as other usage errors give', async () => {
    const dir = workdir();
    const result = await barge(dir, ['--db', 'barge.db', 'stats', '--json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: put --db after the command name: barge stats --db barge.db --json');
    expect(JSON.parse(result.stdout)).toEqual({
      command: 'stats',
      error: { code: 'usage', message: 'put --db after the command name: barge stats --db barge.db --json', input: null, line: null, column: null },
      exitCode: 2,
    });
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe("commander's argument errors in barge's words: one line, exit 2", () => {
  const cases: Array<[string[], string]> = [
    [['import', 'fixtures/products.csv', '--mode', 'foo'], '--mode must be atomic, batch or row, got "foo"'],
    [['import', 'fixtures/products.csv', '--on-conflict', 'skip'], '--on-conflict must be error, ignore, replace or update, got "skip"'],
    [['export', '--table', 'products', '--format', 'xml'], '--format must be csv, tsv, ndjson, jsonl or json, got "xml"'],
    [['jobs', '--status', 'done'], '--status must be running, succeeded, partial, failed or interrupted, got "done"'],
    [['validate'], 'validate needs at least one input file (or - for stdin); see barge validate --help'],
    [['schema', 'infer'], 'schema infer needs an input file (or - for stdin); see barge schema infer --help'],
    [['import', 'fixtures/products.csv', '--batch-size'], '--batch-size needs a value: --batch-size <n>; see barge import --help'],
    // A table named where --table goes: the line with it.
    [['stats', 'products'], 'stats takes no arguments, got "products"; for the table "products": barge stats --table products'],
    [['export', '--db', 'x.db', 'products', '--json'], 'export takes no arguments, got "products"; for the table "products": barge export --db x.db --table products --json'],
    [['jobs', 'a', 'b'], 'jobs takes one argument ([id]), got 2: "a", "b"; see barge jobs --help'],
    [['schema', 'infer', 'a.csv', 'b.csv'], 'schema infer takes one argument (<input>), got 2: "a.csv", "b.csv"; see barge schema infer --help'],
    // A value holding a newline stays on the line.
    [['import', 'fixtures/products.csv', '--mode', 'a\nb'], '--mode must be atomic, batch or row, got "a\\nb"'],
    // Unchanged: commander's suggestion.
    [['import', 'fixtures/products.csv', '--batch-sze', '5'], "unknown option '--batch-sze'; did you mean --batch-size?"],
  ];
  for (const [args, message] of cases) {
    it(`barge ${args.join(' ')}`, async () => {
      const dir = workdir();
      expectOneLine(await barge(dir, args), 2, message);
      expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    });
  }

  it('an input whose name starts with "-": says to put it after -- (it said only unknown option)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, '-x.csv'), 'id\n1\n');
    expectOneLine(await barge(dir, ['import', '-x.csv']), 2, `unknown option '-x.csv'; a file whose name starts with "-" goes after --: barge import -- -x.csv (or ./-x.csv)`);
    // The rest of the line kept (the advice dropped every other argument).
    expectOneLine(await barge(dir, ['import', '-x.csv', '--db', 't 2.db', '--table', 'q']), 2, `unknown option '-x.csv'; a file whose name starts with "-" goes after --: barge import --db 't 2.db' --table q -- -x.csv (or ./-x.csv)`);
    expect((await barge(dir, ['import', '--quiet', '--', '-x.csv'])).exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM "-x"')).toEqual([{ id: 1 }]);
  });

  it('with --json: the error document carries the same words', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--mode', 'foo', '--json']);
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      command: 'import',
      error: { code: 'usage', message: '--mode must be atomic, batch or row, got "foo"', input: null, line: null, column: null },
      exitCode: 2,
    });
  });
});

describe("other tools' spellings: barge's own named, before commander's guess by edit distance", () => {
  // commander said `--sep` -> "did you mean --help?", `--nl` -> --null (sqlite-utils' --nl is
  // NDJSON), `--header` -> --no-header (the opposite), and nothing for the rest.
  const cases: Array<[string[], string]> = [
    [['import', 'x.csv', '--sep', ';'], "unknown option '--sep' (barge's is --delimiter <char>)"],
    [['import', 'x.csv', '--sep=;'], "unknown option '--sep=;' (barge's is --delimiter <char>)"],
    [['import', 'x.csv', '--separator', ';'], "unknown option '--separator' (barge's is --delimiter <char>)"],
    [['validate', 'x.csv', '-d', ';'], "unknown option '-d' (barge's is --delimiter <char>)"],
    [['schema', 'infer', 'x.csv', '--delim', ';'], "unknown option '--delim' (barge's is --delimiter <char>)"],
    [['export', '--table', 't', '--sep', ';'], "unknown option '--sep' (barge export writes commas (CSV), or tabs with --format tsv)"],
    [['import', 'x.csv', '--nl'], "unknown option '--nl' (barge's is --format ndjson)"],
    [['export', '--table', 't', '--nl'], "unknown option '--nl' (barge's is --format ndjson)"],
    [['import', 'x.csv', '--header'], "unknown option '--header' (barge reads the first line as the header unless given --no-header)"],
    [['import', 'x.csv', '--headerline'], "unknown option '--headerline' (barge reads the first line as the header unless given --no-header)"],
    [['import', 'x.csv', '--replace'], "unknown option '--replace' (barge's is --on-conflict replace)"],
    [['import', 'x.csv', '--upsert'], "unknown option '--upsert' (barge's is --on-conflict update)"],
    // An option barge has under another command: which one.
    [['validate', 'x.csv', '--upsert'], "unknown option '--upsert' (barge's is --on-conflict update, an option of barge import)"],
    [['import', 'x.csv', '--drop'], "unknown option '--drop' (barge's is --truncate)"],
    [['import', 'x.csv', '--overwrite'], "unknown option '--overwrite' (barge's is --truncate)"],
    [['import', 'x.csv', '--type', 'json'], "unknown option '--type' (barge's is --format csv|tsv|ndjson|json)"],
    [['import', 'x.csv', '--jsonArray'], "unknown option '--jsonArray' (barge's is --format json)"],
    [['import', 'x.csv', '--json-array'], "unknown option '--json-array' (barge's is --format json)"],
    [['import', 'x.csv', '--csv'], "unknown option '--csv' (barge's is --format csv)"],
    [['import', 'x.csv', '--tsv'], "unknown option '--tsv' (barge's is --format tsv)"],
    [['import', 'x.csv', '--errors-file', 'e.csv'], "unknown option '--errors-file' (barge's is --errors <path>)"],
    [['import', 'x.csv', '-q'], "unknown option '-q' (barge's is --quiet)"],
    [['import', 'x.csv', '-v'], "unknown option '-v' (barge has no verbose mode: --progress shows progress; barge's version is --version)"],
    [['import', 'x.csv', '--dry'], "unknown option '--dry' (barge's is --dry-run)"],
    [['import', 'x.csv', '--skip', '1'], "unknown option '--skip' (barge has no --skip; to leave out a file's first lines: tail -n +N data.csv | barge import - --format csv; to go on with a stopped job: --resume <job-id>)"],
    [['import', 'x.csv', '--pk', 'id'], 'unknown option \'--pk\' (a primary key is a schema\'s "primaryKey": barge schema infer <input> > schema.json, add it there, then pass --schema schema.json)'],
    [['jobs', '--sep', ';'], "unknown option '--sep' (barge's is --delimiter <char>, an option of barge import, barge validate and barge schema infer)"],
    // Another command's own option.
    [['import', 'x.csv', '--out', 'y.csv'], "unknown option '--out' (an option of barge export, not of barge import)"],
    // Commands: another tool's word, or a file where the command goes.
    [['data.csv'], "unknown command 'data.csv' (to load it: barge import data.csv)"],
    [['data.csv', '--table', 'my t'], "unknown command 'data.csv' (to load it: barge import data.csv --table 'my t')"],
    [['schema', 'data.csv'], "unknown command 'data.csv' (to print its schema: barge schema infer data.csv)"],
    [['resume', 'J1'], "unknown command 'resume' (barge's is import --resume: barge import --resume J1)"],
    [['load', 'x.csv'], "unknown command 'load' (barge's is import: barge import x.csv)"],
    [['infer', 'x.csv'], "unknown command 'infer' (barge's is schema infer: barge schema infer x.csv)"],
    // Kept: commander's right guesses, and no guess where there is none.
    [['import', 'x.csv', '--tabel', 't'], "unknown option '--tabel'; did you mean --table?"],
    [['imprt', 'x.csv'], "unknown command 'imprt'; did you mean import?"],
    [['nope'], "unknown command 'nope'; see barge --help"],
    [['import', 'x.csv', '--frobnicate'], "unknown option '--frobnicate'; see barge import --help"],
  ];
  for (const [args, message] of cases) {
    it(`barge ${args.join(' ')}`, async () => {
      const dir = workdir();
      fs.writeFileSync(path.join(dir, 'x.csv'), 'id\n1\n');
      expectOneLine(await barge(dir, args), 2, message);
      expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    });
  }
});

describe('help', () => {
  it('barge help nope: the one-line error barge nope gives, not the whole help', async () => {
    const dir = workdir();
    const direct = await barge(dir, ['nope']);
    expectOneLine(direct, 2, "unknown command 'nope'; see barge --help");
    expectOneLine(await barge(dir, ['help', 'nope']), 2, "unknown command 'nope'; see barge --help");
    expectOneLine(await barge(dir, ['help', 'imprt']), 2, "unknown command 'imprt'; did you mean import?");
    expectOneLine(await barge(dir, ['help', 'schema', 'nope']), 2, "unknown command 'nope'; see barge schema --help");
    const json = await barge(dir, ['help', 'nope', '--json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout).error.message).toBe("unknown command 'nope'; see barge --help");
  });

  it('barge help schema infer (and barge schema help infer): infer\'s help, not schema\'s', async () => {
    const dir = workdir();
    const own = await barge(dir, ['schema', 'infer', '--help']);
    expect(own.stdout).toMatch(/^Usage: barge schema infer \[options\] <input>\n/);
    for (const args of [['help', 'schema', 'infer'], ['schema', 'help', 'infer']]) {
      const result = await barge(dir, args);
      expect(result.exitCode, args.join(' ')).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout, args.join(' ')).toBe(own.stdout);
    }
    expect((await barge(dir, ['help', 'schema'])).stdout).toBe((await barge(dir, ['schema', '--help'])).stdout);
    expect((await barge(dir, ['help'])).stdout).toBe((await barge(dir, ['--help'])).stdout);
  });

  it("barge --help: --no-progress's default is off (as each command's help says), and exit 130 lists SIGHUP", async () => {
    const help = (await barge(workdir(), ['--help'])).stdout;
    expect(help).toContain('  --no-progress  no progress, not even on a terminal (default: off: a bar when\n                 stderr is a terminal)\n');
    expect(help).toContain('  130  interrupted (SIGINT, SIGTERM, SIGHUP)\n');
  });

  it('stats and jobs --help: --progress is accepted, and shows nothing there', async () => {
    for (const command of ['stats', 'jobs']) {
      // Columns and wrapped lines made one run of words.
      const help = (await barge(workdir(), [command, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(help).toContain(`--progress accepted like every command's; ${command} shows no progress (default: off)`);
      expect(help).toContain("--no-progress accepted like every command's (default: off)");
      expect(help).not.toContain('even without a terminal');
    }
  });
});

describe('BARGE_DEBUG=1 is --debug', () => {
  it("its stack trace points at src/ through the bundle's source maps, as --debug's does", async () => {
    const dir = workdir();
    const viaFlag = await barge(dir, ['import', 'nope.csv', '--debug']);
    const viaEnv = await barge(dir, ['import', 'nope.csv'], { env: { BARGE_DEBUG: '1' } });
    for (const result of [viaFlag, viaEnv]) {
      expect(result.exitCode).toBe(2);
      const lines = result.stderr.split('\n');
      expect(lines[0]).toBe('barge: error: cannot read input "nope.csv": no such file');
      expect(lines[2]).toMatch(/^ {4}at .*\/src\/[\w/-]+\.ts:\d+:\d+\)?$/);
      expect(result.stderr).not.toContain('dist/bundle');
    }
  });
});

describe.skipIf(!hasDevFull)('--out /dev/full', () => {
  it("says what stdout's failure says: no space left on device (ENOSPC); exit 3", async () => {
    const dir = workdir();
    await importMakers(dir);
    expectOneLine(await barge(dir, ['export', '--table', 'makers', '--out', '/dev/full']), 3, 'cannot write /dev/full: no space left on device (ENOSPC)');
    const json = await barge(dir, ['export', '--table', 'makers', '--out', '/dev/full', '--format', 'csv', '--json']);
    expect(json.exitCode).toBe(3);
    expect(JSON.parse(json.stdout).error).toEqual({ code: 'io', message: 'cannot write /dev/full: no space left on device (ENOSPC)', input: null, line: null, column: null });
  });
});

describe('stats and jobs tables with CJK names', () => {
  it('are aligned by display width: a wide character takes two columns', async () => {
    const dir = workdir();
    for (const table of ['商品表', 'makers']) {
      const load = await barge(dir, ['import', 'fixtures/makers.csv', '--table', table, '--quiet']);
      expect(load.exitCode, load.stderr).toBe(0);
    }
    const stats = (await barge(dir, ['stats'])).stdout.split('\n');
    const head = stats.indexOf('table   rows      size  columns');
    expect(head, stats.join('\n')).toBeGreaterThan(-1);
    expect(stats[head + 1]).toMatch(/^makers     5 +\S+ KiB {2}id TEXT, /);
    expect(stats[head + 2]).toMatch(/^商品表     5 +\S+ KiB {2}id TEXT, /);
    const jobs = (await barge(dir, ['jobs'])).stdout.split('\n');
    expect(jobs[0]).toMatch(/^id {22}status {5}table {3}mode {4}read/);
    expect(jobs[1]).toMatch(/^\S{22} {2}succeeded {2}makers {2}atomic {5}5 /);
    expect(jobs[2]).toMatch(/^\S{22} {2}succeeded {2}商品表 {2}atomic {5}5 /);
  });
});

describe('paths holding a newline are printed escaped: every message stays one line', () => {
  it('import, validate, export, jobs: the summaries; and errors built anywhere', async () => {
    const dir = workdir();
    const input = 'in\nput.ndjson';
    fs.writeFileSync(path.join(dir, input), '{"id":1,"n":"a"}\n{"id":"x","n":"b"}\n');
    fs.writeFileSync(path.join(dir, 't.schema.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, n: { type: 'string' } } }));
    const real = fs.realpathSync(dir);

    const imported = await barge(dir, ['import', input, '--schema', 't.schema.json', '--mode', 'row', '--errors', 'rep\nort.ndjson']);
    expect(imported.exitCode, imported.stderr).toBe(1);
    const importLines = imported.stderr.split('\n');
    expect(importLines).toHaveLength(5);
    expect(importLines[0]).toBe('barge: import of in\\nput.ndjson into "t": partial: 1 record rejected, 1 loaded');
    expect(importLines[3]).toBe('  in\\nput.ndjson:line 2, column "id": expected an integer, got "x"');
    expect(importLines[4]).toBe(`  report: ${real}/rep\\nort.ndjson (fix the records and import it again)`);
    expect(fs.existsSync(path.join(dir, 'rep\nort.ndjson'))).toBe(true);

    const validated = await barge(dir, ['validate', input, '--schema', 't.schema.json', '--errors', 'v\n.ndjson']);
    expect(validated.exitCode).toBe(1);
    const validateLines = validated.stderr.split('\n');
    expect(validateLines).toHaveLength(5);
    expect(validateLines[0]).toBe('barge: validate in\\nput.ndjson against "t" (file schema): 1 invalid record');
    expect(validateLines[4]).toBe(`  report: ${real}/v\\n.ndjson (fix these records in the input, then import the input)`);

    const exported = await barge(dir, ['export', '--table', 't', '--out', 'o\nut.csv']);
    expect(exported.exitCode).toBe(0);
    expect(exported.stderr).toMatch(/^barge: exported 1 row from "t" to o\\nut\.csv \(\d+\.\d s, [\d,]+ rows\/s\)$/);

    const id = JSON.parse((await barge(dir, ['jobs', '--json'])).stdout)[0].id as string;
    const detail = (await barge(dir, ['jobs', id])).stdout.trimEnd().split('\n');
    expect(detail.map((line) => line.replace(/^([\w /]+:) +/, '$1 '))).toContain(`report: ${real}/rep\\nort.ndjson`);
    expect(detail.find((line) => line.startsWith('input 1:'))).toMatch(/^input 1: +in\\nput\.ndjson \(ndjson, 36 bytes, sha256 [0-9a-f]{64}\)$/);
    // Each word as a shell reads it back: $'…' with the newline escaped.
    expect(detail.map((line) => line.replace(/^([\w /]+:) +/, '$1 '))).toContain("command: barge import $'in\\nput.ndjson' --schema t.schema.json --mode row --errors $'rep\\nort.ndjson'");
    for (const line of detail) expect(line).toMatch(/^[\w /]+: +\S/);

    // Errors whose message the core builds: one line too.
    expectOneLine(await barge(dir, ['import', 'no\npe.csv']), 2, 'cannot read input "no\\npe.csv": no such file');
    expectOneLine(await barge(dir, ['stats', '--db', 'n\n.db']), 2, 'database "n\\n.db" does not exist; check --db (or $BARGE_DB), or import into it first');
    expectOneLine(await barge(dir, ['jobs', '--db', 'n\n.db']), 2, 'database "n\\n.db" does not exist; check --db (or $BARGE_DB), or import into it first');
  });
});

/** Runs `barge <args>` in a pseudo-terminal `cols` wide (util-linux script); returns all it printed. */
async function inTerminal(dir: string, args: string[], cols: number, env: Record<string, string>): Promise<{ exitCode: number | undefined; output: string }> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols ${cols} rows 40 2>/dev/null; node ${quote(BIN)} ${args.map(quote).join(' ')}`;
  const result = await execa('script', ['-qfec', command, '/dev/null'], {
    cwd: dir, reject: false, stdin: 'pipe', stripFinalNewline: false,
    env: { ...ENV, NO_COLOR: '', TERM: 'xterm-256color', LC_ALL: '', LC_CTYPE: '', LANG: 'C.UTF-8', ...env },
  });
  return { exitCode: result.exitCode, output: String(result.stdout) };
}

/** The frames of a bar: each redraw goes to column 1 (ESC[1G), writes the text and erases the rest (ESC[0K). */
function framesOf(output: string): string[] {
  return [...output.matchAll(/\x1b\[1G([^\x1b]*)\x1b\[0K/g)].map((m) => m[1]!);
}

/** 300,000 records, every 1000th rejected: a run long enough for a few frames. */
function terminalDir(): string {
  const dir = workdir();
  const lines = ['id,name,qty'];
  for (let i = 1; i <= 300_000; i++) lines.push(`${i},item ${i},${i % 1000 === 0 ? 'many' : i % 500}`);
  fs.writeFileSync(path.join(dir, 'numbered.csv'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
  return dir;
}

describe.skipIf(!hasScript)('the bar in a terminal', () => {
  it('50 columns: no bar, no rate; the percent, the records, the rejected count and the ETA stay', async () => {
    const dir = terminalDir();
    const { exitCode, output } = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--errors', 'r.ndjson'], 50, {});
    expect(exitCode, output).toBe(1);
    const frames = framesOf(output);
    expect(frames.length, output).toBeGreaterThanOrEqual(1);
    for (const frame of frames) expect(frame).toMatch(/^\d{1,3}% \| [\d,]+ records \| [\d,]+ rejected \| ETA (?:--|\d+s|\d+m\d\ds)$/);
    expect(frames.at(-1)).toMatch(/^100% \| 300,000 records \| 300 rejected \| ETA 0s$/);
  });

  it('LANG=C, or LC_ALL=C over a UTF-8 LANG: the bar in # and -; a UTF-8 locale keeps the blocks', async () => {
    const dir = terminalDir();
    const run = async (env: Record<string, string>, db: string) => {
      const { exitCode, output } = await inTerminal(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'row', '--db', db, '--errors', `${db}.ndjson`], 100, env);
      expect(exitCode, output).toBe(1);
      return framesOf(output).at(-1) ?? '';
    };
    for (const [env, db] of [[{ LANG: 'C' }, 'c.db'], [{ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, 'all.db']] as const) {
      const last = await run(env, db);
      expect(last, JSON.stringify(env)).toMatch(/^#{10,30} 100% \| 300,000 records \| /);
      expect(last).not.toMatch(/[█░]/);
    }
    expect(await run({ LANG: 'en_US.UTF-8' }, 'utf8.db')).toMatch(/^█{10,30} 100% \| 300,000 records \| /);
  });
});

describe('an argument that is not valid UTF-8 (a latin1 file name)', () => {
  it('is refused, exit 2, naming it (an input that exists was "no such file"; --out, --table and BARGE_DB names were made with U+FFFD in them); SQL may hold U+FFFD', async () => {
    const dir = workdir();
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/mk`), Buffer.from([0xff]), Buffer.from('.csv')]), 'id\n1\n');
    const run = (args: string) => execa('sh', ['-c', `node "$0" ${args}`, BIN], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
    const refused = (what: string) => `barge: error: ${what} "mk\uFFFD.csv" is not valid UTF-8 (each byte barge could not read shows as \uFFFD): barge reads names as UTF-8; rename the file, or give the name in UTF-8`;
    for (const [args, what] of [
      [`import "$(printf 'mk\\377.csv')" --table mk`, 'the argument'],
      [`import ok.csv --table "$(printf 'mk\\377.csv')"`, '--table'],
      [`export --table t --out "$(printf 'mk\\377.csv')"`, '--out'],
    ] as const) {
      const result = await run(args);
      expect({ exitCode: result.exitCode, stderr: result.stderr }, args).toEqual({ exitCode: 2, stderr: refused(what) });
    }
    const env = await execa('sh', ['-c', `BARGE_DB="$(printf 'mk\\377.csv')" node "$0" stats`, BIN], { cwd: dir, reject: false, env: { ...process.env, NO_COLOR: '1' } });
    expect({ exitCode: env.exitCode, stderr: env.stderr }).toEqual({ exitCode: 2, stderr: refused('BARGE_DB') });
    expect(fs.readdirSync(dir).filter((name) => name !== 'fixtures')).toHaveLength(1);
    // SQL is not a name: U+FFFD in it is a character like any other.
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name\n1,caf\uFFFD\n2,cafe\n');
    expect((await barge(dir, ['import', 'a.csv', '--table', 't', '--quiet'])).exitCode).toBe(0);
    expect(await barge(dir, ['export', '--table', 't', '--where', "name LIKE '%\uFFFD%'", '--quiet'])).toMatchObject({ exitCode: 0, stdout: 'id,name\n1,caf\uFFFD' });
  });
});
