// barge benchmark harness.
//
//   npm run bench -- [--rows N] [--runs K] [--json] [--only a,b] [--timeout S]
//                    [--batch-rows N] [--batch-mode batch|row|atomic]
//
// Generates (or reuses) the dataset, then measures sqlite3's own CSV import and
// export as baselines and barge's import / validate / export cases against them,
// each on a fresh temporary database. Prints an aligned table (or one JSON
// object with --json). Exit code 0 even when targets are missed: this is a
// measurement, not a test. Non-zero only when the harness itself breaks
// (2: bad option, 1: unexpected error).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generate, DEFAULT_DIR } from './generate.js';
import { measure, gnuTimeAvailable } from './measure.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
// BENCH_BARGE_BIN: run another build of the CLI (e.g. a stub while testing the harness).
const BARGE = process.env.BENCH_BARGE_BIN ? path.resolve(process.env.BENCH_BARGE_BIN) : path.join(ROOT, 'bin', 'barge.js');
const SQLITE3 = process.env.SQLITE3_BIN || '/usr/bin/sqlite3';
const RSS_LIMIT_MB = 150;

const TARGETS = {
  importRatio: 1.0, // barge imports vs sqlite3 .import
  exportRatio: 1.0, // barge CSV export vs sqlite3 -csv
  validateVsImport: 2.0, // barge validate vs barge CSV import (atomic)
  batchSpeedup: 100, // default batch size vs --batch-size 1
};

const CASES = [
  { name: 'sqlite-import', desc: 'sqlite3 .import --csv into a fresh table (baseline for imports/validate)' },
  { name: 'sqlite-export', desc: 'sqlite3 -csv -header "SELECT * FROM bench" > file (baseline for exports)' },
  {
    name: 'sqlite-export-typed',
    desc: 'sqlite3 -csv on the database barge imported (typed columns, the table export-csv reads; shown beside, not judged)',
  },
  { name: 'import-csv-atomic', desc: 'barge import CSV --mode atomic' },
  { name: 'import-csv-row', desc: 'barge import CSV --mode row' },
  { name: 'import-ndjson-atomic', desc: 'barge import NDJSON --mode atomic' },
  { name: 'import-ndjson-row', desc: 'barge import NDJSON --mode row' },
  { name: 'validate-csv', desc: 'barge validate CSV against the schema' },
  { name: 'export-csv', desc: 'barge export --table bench --out file.csv' },
  { name: 'export-ndjson', desc: 'barge export --table bench --out file.ndjson' },
  { name: 'batch-size', desc: 'barge import of a small sample, --batch-size 1 vs the default' },
];
const CASE_NAMES = CASES.map((c) => c.name);

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = {
    rows: 1_000_000,
    runs: 1,
    json: false,
    only: null,
    timeoutS: 1800,
    batchRows: 20_000,
    batchMode: 'batch',
    dataDir: DEFAULT_DIR,
  };
  const intArg = (name, v, min = 1) => {
    const n = Number(String(v).replace(/[_,]/g, ''));
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const val = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--rows': opts.rows = intArg(a, val()); break;
      case '--runs': opts.runs = intArg(a, val()); break;
      case '--json': opts.json = true; break;
      case '--only': {
        const names = val().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = names.filter((n) => !CASE_NAMES.includes(n));
        if (bad.length) throw new UsageError(`unknown case(s) for --only: ${bad.join(', ')}; known: ${CASE_NAMES.join(', ')}`);
        opts.only = new Set(names);
        break;
      }
      case '--timeout': opts.timeoutS = intArg(a, val()); break;
      case '--batch-rows': opts.batchRows = intArg(a, val()); break;
      case '--batch-mode': {
        const m = val();
        if (!['atomic', 'batch', 'row'].includes(m)) throw new UsageError(`--batch-mode must be atomic, batch or row`);
        opts.batchMode = m;
        break;
      }
      case '--data-dir': opts.dataDir = path.resolve(val()); break;
      case '--help':
      case '-h':
        console.log(
          [
            'usage: node bench/run.js [options]   (npm run bench -- [options])',
            '  --rows N          rows in the dataset (default 1000000)',
            '  --runs K          runs per case; medians reported when K > 1 (default 1)',
            '  --json            print one JSON object instead of the table',
            `  --only a,b        run only these cases: ${CASE_NAMES.join(', ')}`,
            '  --timeout S       kill a run after S seconds (default 1800)',
            '  --batch-rows N    rows in the batch-size sample (default 20000)',
            '  --batch-mode M    --mode used by the batch-size case (default batch)',
            '  --data-dir DIR    where generated data is cached (default bench/data)',
          ].join('\n'),
        );
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default:
        throw new UsageError(`unknown option: ${argv[i]} (see --help)`);
    }
  }
  return opts;
}

// ---------------------------------------------------------------- environment

function machineInfo() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  let cores = os.cpus().length;
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(text);
    if (m) cpu = m[1].trim();
    const n = (text.match(/^processor\s*:/gm) || []).length;
    if (n) cores = n;
  } catch {}
  let sqlite3 = null;
  if (fs.existsSync(SQLITE3)) {
    try {
      sqlite3 = execFileSync(SQLITE3, ['--version'], { encoding: 'utf8' }).trim().split(/\s+/)[0];
    } catch {
      sqlite3 = null;
    }
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    sqlite3,
    sqlite3Path: SQLITE3,
    cpu,
    cores,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    rssMethod: process.env.BENCH_RSS === 'proc' || !gnuTimeAvailable() ? 'proc-vmhwm' : 'gnu-time',
  };
}

// ---------------------------------------------------------------- helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function rmDb(db) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(db + suffix, { force: true });
}

function countRows(db, table = 'bench') {
  const conn = new Database(db, { fileMustExist: true });
  try {
    return conn.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get().n;
  } finally {
    conn.close();
  }
}

async function countLines(file) {
  let n = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    let i = -1;
    while ((i = chunk.indexOf(10, i + 1)) !== -1) n++;
  }
  return n;
}

function parseSummary(stdout) {
  const text = stdout.trim();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    // maybe several lines; take the last line that parses
    for (const line of text.split('\n').reverse()) {
      try {
        return JSON.parse(line);
      } catch {}
    }
    return null;
  }
}

function findKey(obj, key, depth = 0) {
  if (!obj || typeof obj !== 'object' || depth > 4) return undefined;
  if (typeof obj[key] === 'number') return obj[key];
  for (const v of Object.values(obj)) {
    const r = findKey(v, key, depth + 1);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** A case's setup (a database to export) failed: the case fails with this message. */
function setupError(message, stderr = '') {
  return Object.assign(new Error(message), { setup: true, stderr });
}

function stderrHead(stderr, n = 5) {
  return stderr.split('\n').filter((l) => l.trim() !== '').slice(0, n);
}

const fmtInt = (n) => (n == null || !Number.isFinite(n) ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtRatio = (r) => (r == null || !Number.isFinite(r) ? 'n/a' : r >= 100 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`);
const fmtMb = (mb) => (mb == null ? 'n/a' : `${mb.toFixed(1)} MB`);

// ---------------------------------------------------------------- the runner

/**
 * Reads each file once, untimed, before a timed run, so that every tool starts from the page
 * cache. This machine's cache does not keep files for long: the 1M-row NDJSON read from
 * disk in 0.34 s ten minutes after a run, from the cache in 0.01 s right after; so whichever
 * run came first after a pause paid for the disk (sqlite3 .import, first in each round, most
 * often).
 */
function warmPageCache(paths) {
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (const file of paths) {
    const fd = fs.openSync(file, 'r');
    try {
      while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}

class Bench {
  constructor(opts, info) {
    this.opts = opts;
    this.info = info;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-bench-'));
    this.env = { ...process.env };
    delete this.env.BARGE_DB;
    delete this.env.BARGE_DEBUG;
    this.seq = 0;
    this.results = new Map();
    this.keep = {}; // databases kept for the export cases
  }

  log(msg) {
    process.stderr.write(`[bench] ${msg}\n`);
  }

  freshPath(label, ext = '.db') {
    return path.join(this.tmp, `${String(++this.seq).padStart(3, '0')}-${label}${ext}`);
  }

  barge(args, extra = {}) {
    return measure(process.execPath, [BARGE, ...args], {
      cwd: this.tmp,
      env: this.env,
      timeoutMs: this.opts.timeoutS * 1000,
      ...extra,
    });
  }

  sqlite(args, extra = {}) {
    return measure(SQLITE3, args, { cwd: this.tmp, env: this.env, timeoutMs: this.opts.timeoutS * 1000, ...extra });
  }

  /**
   * Runs `once(run)` K times in a row. `once` returns the measure() result plus
   * { check: null | 'why it is wrong' }. Returns the case's aggregate.
   */
  async repeat(name, rows, once) {
    const [res] = await this.rounds([{ name, rows, once }]);
    return res;
  }

  /**
   * Runs K rounds of the cases, each round every case once, in order: a baseline and the cases
   * judged against it are measured minutes apart otherwise, and the shared machine's load drifts
   * in between (the `.import` baseline took 1.6 s in one run and 2.6 s in the next). A case that
   * fails is not run again. Returns the cases' aggregates, in order.
   */
  async rounds(plans) {
    const runs = new Map(plans.map((p) => [p.name, []]));
    for (let k = 1; k <= this.opts.runs; k++) {
      for (const plan of plans) {
        const done = runs.get(plan.name);
        if (done.some((r) => r.failure)) continue;
        done.push(await this.runOnce(plan, k));
      }
    }
    return plans.map((plan) => this.aggregate(plan.name, plan.rows, runs.get(plan.name)));
  }

  async runOnce({ name, rows, once, warm }, k) {
    this.log(`${name}: run ${k}/${this.opts.runs} (${rows.toLocaleString('en-US')} rows) ...`);
    let r;
    try {
      if (warm) warmPageCache(await warm());
      r = await once(k);
    } catch (err) {
      r = { ms: NaN, exitCode: null, peakRssMb: null, stderr: err.stderr ?? '', check: err.setup ? err.message : `harness error: ${err.message}` };
    }
    const failure =
      r.check ??
      (r.timedOut
        ? `timed out after ${this.opts.timeoutS} s`
        : r.exitCode !== 0
          ? r.signal
            ? `killed by ${r.signal}`
            : `exit code ${r.exitCode}`
          : null);
    this.log(
      `${name}: ${failure ? 'FAILED (' + failure + ')' : 'ok'} in ${(r.ms / 1000).toFixed(2)} s, peak RSS ${fmtMb(r.peakRssMb)}`,
    );
    return {
      ms: r.ms,
      exitCode: r.exitCode,
      signal: r.signal ?? null,
      peakRssMb: r.peakRssMb,
      inProcessMs: r.inProcessMs ?? null,
      failure,
      stderrHead: failure ? stderrHead(r.stderr ?? '') : [],
      summary: r.summary ?? null,
    };
  }

  aggregate(name, rows, runs) {
    const failed = runs.find((r) => r.failure);
    const ms = median(runs.map((r) => r.ms));
    const inProc = runs.every((r) => r.inProcessMs != null) ? median(runs.map((r) => r.inProcessMs)) : null;
    const rss = runs.map((r) => r.peakRssMb).filter((x) => x != null);
    const res = {
      name,
      rows,
      runs: runs.length,
      ok: !failed,
      failure: failed?.failure ?? null,
      exitCode: failed ? failed.exitCode : runs[runs.length - 1].exitCode,
      stderrHead: failed?.stderrHead ?? [],
      ms: failed ? null : ms,
      recordsPerSec: failed ? null : rows / (ms / 1000),
      inProcessMs: failed ? null : inProc,
      peakRssMb: rss.length ? median(rss) : null,
      peakRssMbMax: rss.length ? Math.max(...rss) : null,
      summary: runs[runs.length - 1].summary,
      perRun: runs.map(({ ms, exitCode, peakRssMb, inProcessMs, failure }) => ({ ms, exitCode, peakRssMb, inProcessMs, failure })),
    };
    this.results.set(name, res);
    return res;
  }

  // ---- sqlite3 baselines

  async sqliteImportOnce(csv, keepAs) {
    const db = this.freshPath('sqlite-import');
    const r = await this.sqlite([db], { stdin: `.mode csv\n.import --csv ${csv} bench\n` });
    let check = null;
    if (r.exitCode === 0) {
      // sqlite3's shell can print errors yet exit 0 in some versions
      if (/error/i.test(r.stderr)) check = 'sqlite3 printed errors';
      else {
        const n = countRows(db);
        if (n !== this.opts.rows) check = `row count ${n} != ${this.opts.rows}`;
      }
    }
    if (keepAs && r.exitCode === 0 && !check) {
      if (this.keep[keepAs]) rmDb(this.keep[keepAs]);
      this.keep[keepAs] = db;
    } else rmDb(db);
    return { ...r, check };
  }

  planSqliteImport(data) {
    return { name: 'sqlite-import', rows: this.opts.rows, warm: () => [data.csv], once: () => this.sqliteImportOnce(data.csv, 'sqliteDb') };
  }

  planSqliteExport(data) {
    return {
      name: 'sqlite-export', rows: this.opts.rows,
      warm: async () => [await this.sqliteDb(data)],
      once: async () => this.sqliteExportOnce('sqlite-export', await this.sqliteDb(data)),
    };
  }

  /**
   * sqlite3 -csv on the table barge's export reads. .import's table holds every value as
   * text, which sqlite3 copies out; barge's holds INTEGER and REAL values, which sqlite3
   * must format (1.0 s vs 1.3 s per 1M rows here). The judged baseline stays the
   * text table; this row shows the like-for-like figure beside it.
   */
  planSqliteExportTyped(data) {
    return {
      name: 'sqlite-export-typed', rows: this.opts.rows,
      warm: async () => [await this.bargeDb(data)],
      once: async () => this.sqliteExportOnce('sqlite-export-typed', await this.bargeDb(data)),
    };
  }

  /** The table sqlite3 .import wrote: the last sqlite-import run's, or one made now (not measured). */
  async sqliteDb(data) {
    if (!this.keep.sqliteDb) {
      this.log('preparing a database with sqlite3 .import (not measured)');
      const r = await this.sqliteImportOnce(data.csv, 'sqliteDb');
      if (r.check || r.exitCode !== 0) throw setupError(`setup import failed: ${r.check ?? 'exit ' + r.exitCode}`, r.stderr);
    }
    return this.keep.sqliteDb;
  }

  /** The table barge imported: the last import-csv-atomic run's, or one made now (not measured). */
  async bargeDb(data) {
    if (!this.keep.bargeDb) {
      this.log('preparing a database with barge import (not measured)');
      const r = await this.bargeImportOnce({
        input: data.csv, schema: data.schema, mode: 'atomic', rows: this.opts.rows, label: 'setup', keepAs: 'bargeDb',
      });
      if (r.check || r.exitCode !== 0) throw setupError(`setup import failed: ${r.check ?? 'exit ' + r.exitCode}`, r.stderr);
    }
    return this.keep.bargeDb;
  }

  async sqliteExportOnce(name, db) {
    const out = this.freshPath(name, '.csv');
    const r = await this.sqlite(['-csv', '-header', db, 'SELECT * FROM bench'], { stdoutFile: out });
    let check = null;
    if (r.exitCode === 0) {
      const lines = await countLines(out);
      if (lines !== this.opts.rows + 1) check = `output has ${lines} lines, expected ${this.opts.rows + 1}`;
    }
    fs.rmSync(out, { force: true });
    return { ...r, check };
  }

  // ---- barge

  async bargeImportOnce({ input, schema, mode, rows, extraArgs = [], keepAs, label }) {
    const db = this.freshPath(label);
    const r = await this.barge([
      'import', input, '--schema', schema, '--db', db, '--mode', mode, ...extraArgs, '--json', '--no-progress',
    ]);
    const summary = parseSummary(r.stdout);
    let check = null;
    if (r.exitCode === 0) {
      try {
        const n = countRows(db);
        if (n !== rows) check = `row count ${n} != ${rows}`;
      } catch (err) {
        check = `cannot count rows: ${err.message}`;
      }
    }
    if (keepAs && r.exitCode === 0 && !check) {
      if (this.keep[keepAs]) rmDb(this.keep[keepAs]);
      this.keep[keepAs] = db;
    } else rmDb(db);
    return { ...r, check, summary, inProcessMs: findKey(summary, 'durationMs') ?? null };
  }

  planBargeImport(name, input, mode, data) {
    return {
      name, rows: this.opts.rows,
      warm: () => [input],
      once: () => this.bargeImportOnce({
        input, schema: data.schema, mode, rows: this.opts.rows, label: name,
        keepAs: name === 'import-csv-atomic' ? 'bargeDb' : undefined,
      }),
    };
  }

  planValidate(data) {
    return {
      name: 'validate-csv', rows: this.opts.rows,
      warm: () => [data.csv],
      once: async () => {
        const r = await this.barge(['validate', data.csv, '--schema', data.schema, '--json', '--no-progress']);
        const summary = parseSummary(r.stdout);
        // Every generated record is valid: when the summary gives counts, they must say so.
        const read = findKey(summary, 'read');
        const check = r.exitCode === 0 && read !== undefined && read !== this.opts.rows ? `validate read ${read} records, expected ${this.opts.rows}` : null;
        return { ...r, check, summary, inProcessMs: findKey(summary, 'durationMs') ?? null };
      },
    };
  }

  planExport(name, ext, data) {
    const expected = ext === 'csv' ? this.opts.rows + 1 : this.opts.rows;
    return {
      name, rows: this.opts.rows,
      warm: async () => [await this.bargeDb(data)],
      once: async () => {
        const db = await this.bargeDb(data);
        const out = this.freshPath(name, `.${ext}`);
        const r = await this.barge(['export', '--table', 'bench', '--db', db, '--out', out, '--json', '--no-progress']);
        const summary = parseSummary(r.stdout);
        let check = null;
        if (r.exitCode === 0) {
          if (!fs.existsSync(out)) check = `no output file ${path.basename(out)}`;
          else {
            const lines = await countLines(out);
            if (lines !== expected) check = `output has ${lines} lines, expected ${expected}`;
          }
        }
        fs.rmSync(out, { force: true });
        return { ...r, check, summary, inProcessMs: findKey(summary, 'durationMs') ?? null };
      },
    };
  }

  async caseBatch() {
    const rows = this.opts.batchRows;
    const sample = await generate({ rows, dir: this.opts.dataDir, log: (m) => this.log(m) });
    const mode = this.opts.batchMode;
    const def = await this.repeat('batch-size:default', rows, () =>
      this.bargeImportOnce({ input: sample.csv, schema: sample.schema, mode, rows, label: 'batch-default' }),
    );
    const one = await this.repeat('batch-size:1', rows, () =>
      this.bargeImportOnce({
        input: sample.csv, schema: sample.schema, mode, rows, label: 'batch-1', extraArgs: ['--batch-size', '1'],
      }),
    );
    const wall = def.ok && one.ok ? one.ms / def.ms : null;
    const inProc = def.ok && one.ok && def.inProcessMs && one.inProcessMs ? one.inProcessMs / def.inProcessMs : null;
    this.batch = {
      rows,
      mode,
      defaultMs: def.ms,
      batch1Ms: one.ms,
      speedupWall: wall,
      speedupInProcess: inProc,
      // Node start-up (~0.1-0.3 s) is the same for both runs and is not what batching
      // changes, so the in-process figure (barge's own durationMs) is judged when barge
      // reports it; otherwise the wall-clock one.
      speedup: inProc ?? wall,
      basis: inProc != null ? 'in-process durationMs' : 'wall clock',
      target: TARGETS.batchSpeedup,
    };
    this.batch.pass = this.batch.speedup != null ? this.batch.speedup >= TARGETS.batchSpeedup : null;
  }

  cleanup() {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- judging

function judge(results, info, batch) {
  const base = {
    import: results.get('sqlite-import'),
    export: results.get('sqlite-export'),
    csvAtomic: results.get('import-csv-atomic'),
  };
  const rows = [];
  const ratioTo = (r, b) => (r?.ok && b?.ok ? r.recordsPerSec / b.recordsPerSec : null);

  for (const c of CASES) {
    if (c.name === 'batch-size') {
      for (const sub of ['batch-size:default', 'batch-size:1']) {
        const r = results.get(sub);
        if (!r) continue;
        const row = { ...r, desc: sub === 'batch-size:1' ? `--batch-size 1 (--mode ${batch.mode})` : `default --batch-size (--mode ${batch.mode})` };
        row.baseline = null;
        row.ratio = null;
        row.rssPass = r.peakRssMb == null ? null : r.peakRssMb <= RSS_LIMIT_MB;
        if (sub === 'batch-size:1') {
          row.ratioLabel = batch.speedup != null ? `${fmtRatio(batch.speedup)} speedup` : 'n/a';
          row.target = `speedup ≥ ${TARGETS.batchSpeedup}×, RSS ≤ ${RSS_LIMIT_MB} MB`;
          row.speedPass = batch.pass;
          row.detail = batch.speedup != null ? `${fmtRatio(batch.speedup)} ${batch.basis === 'wall clock' ? 'wall clock' : 'in-process'}` : null;
        } else {
          row.ratioLabel = '-';
          row.target = `RSS ≤ ${RSS_LIMIT_MB} MB`;
          row.speedPass = undefined; // no speed target of its own
        }
        rows.push(row);
      }
      continue;
    }
    const r = results.get(c.name);
    if (!r) continue;
    const row = { ...r, desc: c.desc };
    if (c.name === 'sqlite-export-typed') {
      row.baseline = null;
      row.ratio = ratioTo(r, base.export);
      row.ratioLabel = `${fmtRatio(row.ratio)} sqlite -csv`;
      row.target = 'shown beside';
      row.speedPass = undefined;
      row.rssPass = undefined;
      rows.push(row);
      continue;
    }
    if (c.name === 'sqlite-import' || c.name === 'sqlite-export') {
      row.baseline = c.name;
      row.ratio = r.ok ? 1 : null;
      row.ratioLabel = r.ok ? '1.00× (base)' : 'n/a';
      row.target = 'baseline';
      row.speedPass = undefined;
      row.rssPass = undefined;
      rows.push(row);
      continue;
    }
    const isExport = c.name.startsWith('export-');
    const b = isExport ? base.export : base.import;
    row.baseline = isExport ? 'sqlite-export' : 'sqlite-import';
    row.ratio = ratioTo(r, b);
    row.ratioLabel = `${fmtRatio(row.ratio)} ${isExport ? 'sqlite -csv' : '.import'}`;
    row.rssPass = r.peakRssMb == null ? null : r.peakRssMb <= RSS_LIMIT_MB;
    if (c.name.startsWith('import-')) {
      row.target = `≥ ${TARGETS.importRatio.toFixed(1)}× .import`;
      row.speedPass = row.ratio == null ? null : row.ratio >= TARGETS.importRatio;
    } else if (c.name === 'export-csv') {
      row.target = `≥ ${TARGETS.exportRatio.toFixed(1)}× sqlite -csv`;
      row.speedPass = row.ratio == null ? null : row.ratio >= TARGETS.exportRatio;
    } else if (c.name === 'validate-csv') {
      const vs = ratioTo(r, base.csvAtomic);
      row.vsCsvAtomic = vs;
      row.target = `≥ ${TARGETS.validateVsImport.toFixed(1)}× csv-atomic`;
      row.speedPass = vs == null ? null : vs >= TARGETS.validateVsImport;
      row.detail = vs == null ? 'import-csv-atomic not measured' : `${fmtRatio(vs)} csv-atomic`;
    } else {
      row.target = null; // export-ndjson: no speed target
      row.speedPass = undefined;
    }
    row.target = [row.target, `RSS ≤ ${RSS_LIMIT_MB} MB`].filter(Boolean).join(', ');
    rows.push(row);
  }

  for (const row of rows) {
    if (!row.ok) {
      row.result = 'FAILED';
      row.resultLabel = `FAILED: ${row.failure}`;
      continue;
    }
    if (row.speedPass === undefined && row.rssPass === undefined) {
      row.result = null;
      row.resultLabel = '-';
      continue;
    }
    const why = [];
    if (row.speedPass === false) why.push(row.detail ?? `speed ${fmtRatio(row.ratio)}`);
    if (row.rssPass === false) why.push(`RSS ${fmtMb(row.peakRssMb)}`);
    if (why.length) {
      row.result = 'FAIL';
      row.resultLabel = `FAIL (${why.join('; ')})`;
    } else if (row.speedPass === null || row.rssPass === null) {
      row.result = 'n/a';
      row.resultLabel = `n/a (${row.speedPass === null ? (row.detail ?? 'no baseline') : 'no RSS figure'})`;
    } else {
      row.result = 'PASS';
      row.resultLabel = row.detail ? `PASS (${row.detail})` : 'PASS';
    }
  }
  return rows;
}

function printTable(info, opts, rows, batch, notes) {
  const out = [];
  out.push(
    `barge bench · ${info.date} · node ${info.node} · sqlite3 ${info.sqlite3 ?? 'not found'} · ` +
      `${info.cpu} · ${info.cores} cores · ${opts.rows.toLocaleString('en-US')} rows · ` +
      `${opts.runs} run${opts.runs > 1 ? 's (medians)' : ''} · peak RSS via ${info.rssMethod === 'gnu-time' ? '/usr/bin/time %M' : '/proc VmHWM polling'}`,
  );
  for (const n of notes) out.push(n);
  out.push('');
  const header = ['case', 'rows', 'time s', 'records/s', 'ratio', 'peak RSS', 'exit', 'target', 'result'];
  const body = rows.map((r) => [
    r.name,
    r.rows.toLocaleString('en-US'),
    r.ms == null ? '-' : (r.ms / 1000).toFixed(2),
    fmtInt(r.recordsPerSec),
    r.ratioLabel,
    fmtMb(r.peakRssMb),
    r.exitCode == null ? '-' : String(r.exitCode),
    r.target,
    r.resultLabel,
  ]);
  const right = new Set([1, 2, 3, 5, 6]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  out.push(line(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) out.push(line(b));
  if (batch) {
    out.push('');
    out.push(
      `batch size: ${batch.rows.toLocaleString('en-US')} rows, --mode ${batch.mode}: default ` +
        `${batch.defaultMs == null ? 'failed' : (batch.defaultMs / 1000).toFixed(2) + ' s'} vs --batch-size 1 ` +
        `${batch.batch1Ms == null ? 'failed' : (batch.batch1Ms / 1000).toFixed(2) + ' s'} → speedup ` +
        `${fmtRatio(batch.speedupWall)} wall clock, ${fmtRatio(batch.speedupInProcess)} in-process (barge's durationMs); ` +
        `target ≥ ${batch.target}× (judged on ${batch.basis}): ${batch.pass == null ? 'n/a' : batch.pass ? 'PASS' : 'FAIL'}`,
    );
  }
  const failed = rows.filter((r) => !r.ok);
  for (const r of failed) {
    out.push('');
    out.push(`${r.name} FAILED: ${r.failure}`);
    for (const l of r.stderrHead) out.push(`  | ${l}`);
  }
  out.push('');
  out.push('ratio = records/s ÷ the sqlite3 baseline\'s records/s (imports and validate vs .import, exports vs sqlite3 -csv).');
  const typed = rows.find((r) => r.name === 'sqlite-export-typed');
  const exportCsv = rows.find((r) => r.name === 'export-csv');
  if (typed?.ok && exportCsv?.ok) {
    out.push(
      `export-csv against sqlite3 -csv on the same table (the one barge imported): ` +
        `${fmtRatio(exportCsv.recordsPerSec / typed.recordsPerSec)} (judged above against the text table .import wrote).`,
    );
  }
  console.log(out.join('\n'));
}

// ---------------------------------------------------------------- main

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`bench: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const want = (name) => !opts.only || opts.only.has(name);
  const info = machineInfo();
  const notes = [];
  if (!info.sqlite3) {
    const msg = "sqlite3 not found: install it with 'apt-get install sqlite3' to get the baseline ratios";
    notes.push(msg);
    if (opts.json) console.error(msg);
  }
  const wantsBarge = CASE_NAMES.some((n) => !n.startsWith('sqlite-') && want(n));
  if (wantsBarge && !process.env.BENCH_BARGE_BIN && !fs.existsSync(path.join(ROOT, 'dist', 'bundle', 'main.js'))) {
    const msg = 'warning: dist/bundle/main.js is missing (run `npm run build`); barge cases will fail';
    notes.push(msg);
    if (opts.json) console.error(msg);
  }

  const needMain = CASE_NAMES.filter((n) => n !== 'batch-size').some(want);
  let data = null;
  if (needMain) {
    data = await generate({ rows: opts.rows, dir: opts.dataDir, log: (m) => process.stderr.write(`[bench] ${m}\n`) });
    process.stderr.write(
      `[bench] data: ${path.relative(ROOT, data.csv)} (${(data.csvBytes / 1e6).toFixed(1)} MB), ` +
        `${path.relative(ROOT, data.ndjson)} (${(data.ndjsonBytes / 1e6).toFixed(1)} MB)` +
        `${data.generated ? ` generated in ${(data.ms / 1000).toFixed(1)} s` : ' (cached)'}\n`,
    );
  }

  const bench = new Bench(opts, info);
  const cleanupOnSignal = (sig) => {
    bench.cleanup();
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', cleanupOnSignal);
  process.once('SIGTERM', cleanupOnSignal);
  try {
    // The main cases run in rounds (see Bench.rounds): each round runs every case once.
    const plans = [];
    if (info.sqlite3) {
      if (want('sqlite-import')) plans.push(bench.planSqliteImport(data));
      if (want('sqlite-export')) plans.push(bench.planSqliteExport(data));
    } else {
      for (const n of ['sqlite-import', 'sqlite-export', 'sqlite-export-typed']) if (want(n)) bench.log(`${n}: skipped (sqlite3 not found)`);
    }
    if (want('import-csv-atomic')) plans.push(bench.planBargeImport('import-csv-atomic', data.csv, 'atomic', data));
    if (want('import-csv-row')) plans.push(bench.planBargeImport('import-csv-row', data.csv, 'row', data));
    if (want('import-ndjson-atomic')) plans.push(bench.planBargeImport('import-ndjson-atomic', data.ndjson, 'atomic', data));
    if (want('import-ndjson-row')) plans.push(bench.planBargeImport('import-ndjson-row', data.ndjson, 'row', data));
    if (want('validate-csv')) plans.push(bench.planValidate(data));
    if (want('export-csv')) plans.push(bench.planExport('export-csv', 'csv', data));
    if (want('export-ndjson')) plans.push(bench.planExport('export-ndjson', 'ndjson', data));
    if (info.sqlite3 && want('sqlite-export-typed')) plans.push(bench.planSqliteExportTyped(data));
    await bench.rounds(plans);
    if (want('batch-size')) await bench.caseBatch();
  } finally {
    bench.cleanup();
  }

  const rows = judge(bench.results, info, bench.batch);
  if (opts.json) {
    const obj = {
      ...info,
      rows: opts.rows,
      runs: opts.runs,
      rssLimitMb: RSS_LIMIT_MB,
      targets: TARGETS,
      notes,
      cases: rows.map((r) => ({
        name: r.name,
        description: r.desc,
        rows: r.rows,
        ok: r.ok,
        failure: r.failure,
        exitCode: r.exitCode,
        stderrHead: r.stderrHead,
        ms: r.ms,
        recordsPerSec: r.recordsPerSec,
        inProcessMs: r.inProcessMs,
        peakRssMb: r.peakRssMb,
        peakRssMbMax: r.peakRssMbMax,
        baseline: r.baseline,
        ratio: r.ratio,
        vsCsvAtomic: r.vsCsvAtomic,
        target: r.target,
        result: r.result,
        perRun: r.perRun,
        bargeSummary: r.summary,
      })),
      batch: bench.batch ?? null,
    };
    console.log(JSON.stringify(obj, null, 2));
  } else {
    printTable(info, opts, rows, bench.batch, notes);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`bench: harness error: ${err.stack ?? err}`);
    process.exitCode = 1;
  },
);
