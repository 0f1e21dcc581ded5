import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, ROOT, rows, workdir } from '../helpers/cli.js';

/**
 * SPEC §1 and issue 6: `barge --help` and every command's `--help` list every
 * option with its default; every command has a help text; and every option the
 * help lists is documented in the README.
 */

const COMMANDS: string[][] = [[], ['import'], ['validate'], ['export'], ['stats'], ['jobs'], ['schema'], ['schema', 'infer']];
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

interface HelpOption {
  flags: string;
  description: string;
}

/** The entries of an "Options:"-style section: a line starting with "  -", and its wrapped continuation lines. */
function optionsIn(help: string, heading: string): HelpOption[] {
  const lines = help.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) return [];
  const entries: HelpOption[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const entry = /^  (-\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (entry) entries.push({ flags: entry[1]!.trim(), description: (entry[2] ?? '').trim() });
    else entries.at(-1)!.description += ' ' + line.trim();
  }
  return entries;
}

function longOptions(flags: string): string[] {
  return flags.match(/--[a-z][a-z-]*/g) ?? [];
}

describe('help', () => {
  let dir: string;
  const helps = new Map<string, string>();
  beforeAll(async () => {
    dir = workdir();
    await Promise.all(COMMANDS.map(async (command) => {
      const result = await barge(dir, [...command, '--help']);
      expect(result.exitCode, `barge ${command.join(' ')} --help`).toBe(0);
      expect(result.stderr).toBe('');
      helps.set(command.join(' '), result.stdout);
    }));
  });

  for (const command of COMMANDS) {
    const name = ['barge', ...command].join(' ');

    it(`${name} --help: usage, a description, and options`, () => {
      const help = helps.get(command.join(' '))!;
      const lines = help.split('\n');
      expect(lines[0]!.startsWith(`Usage: ${name} [options]`), lines[0]).toBe(true);
      // import's usage has a second line: the --resume form.
      if (command[0] === 'import') lines.splice(1, 1);
      // The description: the paragraph after the usage line, a sentence of words.
      expect(lines[1]).toBe('');
      expect(lines[2]).toMatch(/^[A-Za-z][a-z]+ .{20,}/);
      expect(optionsIn(help, 'Options:').map((o) => o.flags)).toContain('-h, --help');
    });

    it(`${name} --help: every option shows its default`, () => {
      const help = helps.get(command.join(' '))!;
      const options = [...optionsIn(help, 'Options:'), ...optionsIn(help, 'Options every command takes, after its name (barge stats --db x.db):')];
      expect(options.length).toBeGreaterThan(0);
      for (const option of options) {
        if (option.flags === '-h, --help' || option.flags === '--version') continue;
        expect(option.description, `${name}: ${option.flags}`).toMatch(/\((?:one of: [^;]+; )?default: .+\)$/);
      }
    });

    it(`${name} --help: every option it lists is in the README`, () => {
      const help = helps.get(command.join(' '))!;
      const options = [...optionsIn(help, 'Options:'), ...optionsIn(help, 'Options every command takes, after its name (barge stats --db x.db):')].flatMap((o) => longOptions(o.flags));
      expect(options.length).toBeGreaterThan(0);
      const missing = options.filter((option) => !new RegExp(`${option}(?![a-z-])`).test(README));
      expect(missing, `options of ${name} --help missing from README.md`).toEqual([]);
    });
  }

  it('every command listed by barge --help has a description, and its own help', () => {
    const commands = (help: string) => optionsFree(help).map((line) => /^  (\S+)(?: \S+)*? {2,}(\S.*)$/.exec(line)!).map((m) => ({ name: m[1]!, description: m[2]! }));
    const top = commands(helps.get('')!);
    expect(top.map((c) => c.name)).toEqual(['import', 'validate', 'export', 'stats', 'jobs', 'schema', 'help']);
    for (const c of top) expect(c.description.length, c.name).toBeGreaterThan(10);
    const schema = commands(helps.get('schema')!);
    expect(schema.map((c) => c.name)).toEqual(['infer', 'help']);
    for (const c of schema) expect(c.description.length, c.name).toBeGreaterThan(10);
  });

  it('barge --help lists the options every command takes, the environment and the exit codes', () => {
    const help = helps.get('')!;
    expect(optionsIn(help, 'Options every command takes, after its name (barge stats --db x.db):').map((o) => o.flags)).toEqual(
      ['--db <path>', '--json', '--quiet', '--progress', '--no-progress', '--debug', '--version', '-h, --help'],
    );
    // BARGE_WORKER and TERM=dumb, which the README documents, were missing.
    for (const variable of ['BARGE_DB', 'BARGE_DEBUG=1', 'BARGE_PROGRESS_INTERVAL_MS', 'BARGE_WORKER', 'NO_COLOR', 'TERM=dumb']) expect(help).toContain(`\n  ${variable} `);
    // Its three values; only `never` was listed.
    expect(help).toMatch(/BARGE_WORKER +never: .*\n.*always: .*\n.*default: auto/);
    // export's --json says it needs --out (SPEC §1), as its error does.
    expect(optionsIn(helps.get('export')!, 'Options:').find((o) => o.flags === '--json')?.description).toContain('only with --out <file>');
    for (const code of ['0', '1', '2', '3', '130']) expect(help).toMatch(new RegExp(`\\n  ${code} +\\S`));
    // Where the README is: "Documentation: README.md" named no findable file once installed.
    expect(help.endsWith(`\nDocumentation (this installation's README):\n  ${path.join(ROOT, 'README.md')}`)).toBe(true);
    expect(fs.existsSync(path.join(ROOT, 'README.md'))).toBe(true);
    // The environment variables are documented too.
    for (const variable of ['BARGE_DB', 'BARGE_DEBUG', 'BARGE_PROGRESS_INTERVAL_MS', 'BARGE_WORKER', 'NO_COLOR', 'TERM=dumb']) expect(README).toContain(variable);
  });

  it('the defaults shown are the ones applied', () => {
    const help = helps.get('import')!;
    const defaults = Object.fromEntries(optionsIn(help, 'Options:').map((o) => [longOptions(o.flags)[0], /default: ([^;)]+)\)?$/.exec(o.description)?.[1]]));
    expect(defaults).toMatchObject({
      '--batch-size': '1000', '--infer-rows': '1000', '--mode': 'atomic', '--on-conflict': 'error', '--busy-timeout': '5000',
      '--encoding': 'utf8', '--quote': `'"'`, '--max-errors': 'no limit', '--dry-run': 'off', '--db': '$BARGE_DB, else ./barge.db',
    });
    expect(defaults['--progress']).toBe('on when stderr is a terminal');
    expect(optionsIn(help, 'Options:').find((o) => o.flags === '--no-progress')!.description).toMatch(/\(default: off: a bar when stderr is a terminal\)$/);
    expect(/default: ([^)]+)\)$/.exec(optionsIn(helps.get('jobs')!, 'Options:').find((o) => o.flags === '--limit <n>')!.description)?.[1]).toBe('20');
  });

  describe('the defaults shown are the ones applied: what a run without the option does', () => {
    /** A fresh directory holding id,v rows 1..n; `text` puts the text "x" in record `text`'s v. */
    function numbers(n: number, text?: number): string {
      const at = workdir();
      const lines = ['id,v'];
      for (let i = 1; i <= n; i++) lines.push(`${i},${i === text ? 'x' : i}`);
      fs.writeFileSync(path.join(at, 'n.csv'), lines.join('\n') + '\n');
      return at;
    }

    it('--batch-size 1000: 2500 records in batch mode are 3 committed batches, the last of 500', async () => {
      const at = numbers(2500);
      const result = await barge(at, ['import', 'n.csv', '--mode', 'batch', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ mode: 'batch', batchesCommitted: 3, counts: { read: 2500, inserted: 2500, rejected: 0 } });
      const job = JSON.parse((await barge(at, ['jobs', json.jobId, '--json'])).stdout);
      expect(job.options.batchSize).toBe(1000);
      expect(job.checkpoint).toMatchObject({ records: 2500, batches: 3 });
      expect(rows(path.join(at, 'barge.db'), 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM n')).toEqual([{ n: 2500, d: 2500 }]);
    });

    it('--batch-size 1000: a bad record in batch mode rolls back exactly its batch of 1000', async () => {
      const at = numbers(2500);
      fs.writeFileSync(path.join(at, 's.json'), JSON.stringify({ table: 'n', columns: { id: { type: 'integer' }, v: { type: 'integer', max: 2499 } } }));
      // Record 2500 (v 2500) is bad: the third batch (2001-2500) is rolled back, the first two stay.
      const result = await barge(at, ['import', 'n.csv', '--schema', 's.json', '--mode', 'batch', '--json']);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ batchesCommitted: 2, counts: { read: 2500, inserted: 2000, rejected: 500 } });
      expect(rows(path.join(at, 'barge.db'), 'SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM n')).toEqual([{ lo: 1, hi: 2000, n: 2000 }]);
    });

    it('--infer-rows 1000: text in record 1000 makes a string column, text in record 1001 does not', async () => {
      const inSample = numbers(1001, 1000);
      const infer = async (at: string) => JSON.parse((await barge(at, ['schema', 'infer', 'n.csv'])).stdout).columns.v;
      expect(await infer(inSample)).toEqual({ type: 'string' });
      const after = numbers(1001, 1001);
      expect(await infer(after)).toEqual({ type: 'integer' });
      // import infers the same: record 1001 is rejected by the integer column the first 1000 made.
      const imported = await barge(after, ['import', 'n.csv', '--mode', 'row', '--json']);
      expect(imported.exitCode, imported.stderr).toBe(1);
      expect(JSON.parse(imported.stdout)).toMatchObject({ counts: { read: 1001, inserted: 1000, rejected: 1 }, firstErrors: ['n.csv:line 1002, column "v": expected an integer, got "x"'] });
      expect(rows(path.join(after, 'barge.db'), "SELECT type FROM pragma_table_info('n') WHERE name = 'v'")).toEqual([{ type: 'INTEGER' }]);
    });

    it('--mode atomic and --on-conflict error: a duplicate key rejects the record and rolls the whole job back', async () => {
      const at = numbers(3);
      fs.writeFileSync(path.join(at, 's.json'), JSON.stringify({ table: 'n', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'string' } } }));
      expect((await barge(at, ['import', 'n.csv', '--schema', 's.json', '--quiet'])).exitCode).toBe(0);
      fs.writeFileSync(path.join(at, 'more.csv'), 'id,v\n4,four\n2,two again\n');
      const result = await barge(at, ['import', 'more.csv', '--table', 'n', '--json']);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ mode: 'atomic', status: 'failed', rolledBack: true, counts: { read: 2, inserted: 0, rejected: 1 } });
      expect(rows(path.join(at, 'barge.db'), 'SELECT id, v FROM n ORDER BY id')).toEqual([{ id: 1, v: '1' }, { id: 2, v: '2' }, { id: 3, v: '3' }]);
    });
  });

  it('no line of any help is wider than 80 columns (the width of a pipe)', () => {
    for (const [command, help] of helps) {
      // The BARGE_WORKER line of the environment was 81.
      // (The README's path, on a line of its own, is as long as the installation's.)
      const wide = help.split('\n').filter((line) => line.length > 80 && line !== `  ${path.join(ROOT, 'README.md')}`);
      expect(wide, `barge ${command} --help`).toEqual([]);
    }
  });

  it('every command\'s help lists --version (SPEC §1), which prints the version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const command of COMMANDS) {
      const flags = optionsIn(helps.get(command.join(' '))!, 'Options:').map((o) => o.flags);
      expect(flags, `barge ${command.join(' ')} --help`).toContain('--version');
    }
    const result = await barge(dir, ['import', '--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(version);
  });

  it('the quick start of barge --help runs as written in the fixtures directory', async () => {
    const help = helps.get('')!;
    const section = help.slice(help.indexOf('Quick start'));
    const commands = section.split('\n').filter((line) => line.startsWith('  barge ')).map((line) => line.trim().split(/ +/).slice(1));
    // The products import needs makers first (its maker_id references makers.id): it was left out.
    expect(commands.map((c) => c.slice(0, 2))).toEqual([['import', 'makers.csv'], ['import', 'products.csv'], ['export', '--table']]);
    const at = workdir();
    fs.cpSync(path.join(ROOT, 'fixtures'), at, { recursive: true });
    for (const command of commands) {
      const result = await barge(at, [...command, '--quiet']);
      expect(result.exitCode, `barge ${command.join(' ')}: ${result.stderr}`).toBe(0);
    }
    const exported = fs.readFileSync(path.join(at, 'products.ndjson'), 'utf8').trim().split('\n');
    expect(exported.length).toBe(rows(path.join(at, 'barge.db'), 'SELECT count(*) AS n FROM products')[0]!.n);
    expect(exported.length).toBeGreaterThan(0);
  });

  it('--help wins over a bad option value beside it (commander checked the choice first: exit 2, no help)', async () => {
    for (const args of [['import', '--help', '--mode', 'foo'], ['import', '--mode', 'foo', '--help'], ['export', '--format', 'xml', '-h']]) {
      const result = await barge(dir, args);
      expect(result.exitCode, args.join(' ')).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(helps.get(args[0]!));
    }
    // An option's value is not --help: `--job-id -h` names the job (it printed the help, nothing loaded).
    const value = await barge(dir, ['import', 'fixtures/makers.csv', '--job-id', '-h', '--quiet']);
    expect(value.exitCode, value.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM _barge_jobs')).toEqual([{ id: '-h' }]);
    // After `--`, -h is an input's name, not a flag.
    const input = await barge(dir, ['import', '--', '-h']);
    expect(input.exitCode).toBe(2);
    expect(input.stderr).toBe('barge: error: cannot read input "-h": no such file');
  });

  it('import --help: both forms of the usage, and what --job-id does with a job that finished partial', () => {
    const help = helps.get('import')!;
    expect(help.split('\n').slice(0, 2)).toEqual(['Usage: barge import [options] <input...>', '       barge import --resume <job-id> [--db <path>] [--json] [--quiet]']);
    const jobId = optionsIn(help, 'Options:').find((o) => o.flags === '--job-id <id>')!.description;
    expect(jobId).toContain('finished (succeeded or partial) does nothing');
  });

  it('-h is --help, and `barge help <command>` prints the same help', async () => {
    expect((await barge(dir, ['-h'])).stdout).toBe(helps.get(''));
    expect((await barge(dir, ['import', '-h'])).stdout).toBe(helps.get('import'));
    const viaHelp = await barge(dir, ['help', 'export']);
    expect(viaHelp.exitCode).toBe(0);
    expect(viaHelp.stdout).toBe(helps.get('export'));
  });

  it('barge without a command: the help on stderr, exit 2', async () => {
    const result = await barge(dir, []);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(helps.get('')!.trimEnd());
  });
});

/** The "Commands:" section's lines. */
function optionsFree(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf('Commands:');
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    if (/^  \S/.test(line)) out.push(line);
  }
  return out;
}
