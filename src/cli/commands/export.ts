import { shellWord } from '../../shell-word.js';
import { isDefaultDb } from '../default-db.js';
import { Command } from 'commander';
import { BargeError, EXIT } from '../../errors.js';
import { nameKey } from '../../schema/names.js';
import { formatOfPath, type ExportFormat } from '../../export/export-format.js';
import type { ExportConfig, ExportResult } from '../../export/run-export.js';
import { isProcessStderr, isProcessStdout } from '../../export/sink.js';
import { announceInterrupt, createProgressDisplay, progressModeFor } from '../../progress/progress-display.js';
import { addBusyTimeout, addCommonOptions, integerFlag, valueOption, type CommonOptions } from '../options.js';
import type { CommandOutcome } from '../outcome.js';
import { exportJson, printExportSummary } from '../render/export-summary.js';
import { interruptSignal, throwIfInterrupted } from '../signals.js';

interface ExportFlags extends CommonOptions {
  table?: string;
  query?: string;
  format?: string;
  out?: string;
  where?: string;
  columns?: string;
  orderBy?: string;
  limit?: string;
  busyTimeout: string;
}

export function exportCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const command = new Command('export')
    .description('stream a table or a query out as CSV, TSV, NDJSON or JSON (a file, .gz gzipped, or stdout)')
    .addOption(valueOption('--table <name>', 'the table (or view) to export', 'none: give --table or --query'))
    .addOption(valueOption('--query <sql>', 'a SELECT to export instead of a table; the database is opened read-only', 'none: give --table or --query'))
    .addOption(valueOption('--format <format>', 'output format', 'from --out\'s extension, else csv').choices(['csv', 'tsv', 'ndjson', 'jsonl', 'json']))
    .addOption(valueOption('--out <path>', 'output file (.csv .tsv .ndjson .jsonl .json, + .gz to gzip), or - for stdout', 'stdout'))
    .addOption(valueOption('--where <sql>', 'with --table: only the rows matching this SQL condition', 'every row'))
    .addOption(valueOption('--columns <names>', 'with --table: comma-separated columns to export, in this order', 'every column'))
    .addOption(valueOption('--order-by <sql>', 'with --table: SQL ORDER BY terms, e.g. "price DESC, id"', 'a table\'s rowid order; with --where, the order SQLite reads them in'))
    .addOption(valueOption('--limit <n>', 'export at most n rows, 0 or more', 'no limit'));
  addBusyTimeout(command);
  addCommonOptions(command);
  return command.action((flags: ExportFlags) => run(exportAction(flags)));
}

async function exportAction(flags: ExportFlags): Promise<CommandOutcome> {
  // Rows printed on the terminal and a bar redrawn on the same screen would garble each other
  // (--out /dev/stdout and the like included; --out /dev/stderr writes under the bar itself).
  const toTerminal = (process.stdout.isTTY === true && isProcessStdout(flags.out)) || (process.stderr.isTTY === true && isProcessStderr(flags.out));
  const mode = toTerminal ? 'off' : progressModeFor(flags, process.stderr);
  const config = exportConfigFrom(flags, mode !== 'off');
  // Loaded when the export runs (like import's and validate's pipelines): better-sqlite3 and zod
  // (through the kept schemas) would otherwise slow every command's start by ~40 ms.
  const { runExport } = await import('../../export/run-export.js');
  const progress = createProgressDisplay(mode, process.stderr, { unit: 'rows', totalIsCount: true });
  const signal = interruptSignal();
  announceInterrupt(signal, progress, process.stderr, flags);
  let result: ExportResult;
  try {
    throwIfInterrupted();
    result = await runExport(config, {
      stdout: process.stdout,
      onProgress: (p) => progress.update({ done: p.rows, total: p.total, records: p.rows }),
      signal,
    });
  } finally {
    progress.stop();
  }
  if (flags.json) process.stdout.write(JSON.stringify(exportJson(result, config.dbPath)) + '\n');
  if (!flags.quiet) printExportSummary(process.stderr, result);
  return { exitCode: EXIT.accepted };
}

export function exportConfigFrom(flags: ExportFlags, countTotal: boolean): ExportConfig {
  if ((flags.table === undefined) === (flags.query === undefined)) {
    throw new BargeError('usage', flags.table === undefined
      ? `export needs --table <name> or --query "SELECT ..."; list the tables with: barge stats${isDefaultDb(flags.db) ? '' : ` --db ${shellWord(flags.db)}`}`
      : 'give either --table or --query, not both');
  }
  if (flags.query !== undefined) {
    for (const [flag, value] of [['--where', flags.where], ['--order-by', flags.orderBy], ['--columns', flags.columns]] as const) {
      if (value !== undefined) throw new BargeError('usage', `${flag} goes with --table; with --query, write it into the query itself`);
    }
    if (flags.query.trim() === '') throw new BargeError('usage', '--query is empty');
  }
  const toStdout = flags.out === undefined || flags.out === '-';
  if (flags.json && toStdout) {
    throw new BargeError('usage', '--json needs --out <file>: without it stdout carries the exported data');
  }
  if (flags.json && isProcessStdout(flags.out)) {
    throw new BargeError('usage', `--json needs --out <file> other than stdout: --out ${flags.out} is stdout, which carries the exported data`);
  }
  const { format, gzip } = outputFormat(flags);
  return {
    dbPath: flags.db,
    busyTimeoutMs: integerFlag('--busy-timeout', flags.busyTimeout, 0, 3_600_000)!,
    table: flags.table,
    query: flags.query,
    columns: columnsFlag(flags.columns),
    where: flags.where,
    orderBy: flags.orderBy,
    limit: integerFlag('--limit', flags.limit, 0, Number.MAX_SAFE_INTEGER),
    format,
    out: toStdout ? undefined : flags.out,
    gzip,
    countTotal,
  };
}

/** SPEC §7: the format from --out's extension, else --format, else csv. */
function outputFormat(flags: ExportFlags): { format: ExportFormat; gzip: boolean } {
  const asked = flags.format === 'jsonl' ? 'ndjson' : (flags.format as ExportFormat | undefined);
  if (flags.out === undefined || flags.out === '-') return { format: asked ?? 'csv', gzip: false };
  const { format: fromPath, gzip } = formatOfPath(flags.out);
  if (fromPath !== undefined && asked !== undefined && fromPath !== asked) {
    throw new BargeError('usage', `--format ${flags.format} does not match --out ${flags.out}, which names ${fromPath}; drop one of them`);
  }
  return { format: fromPath ?? asked ?? 'csv', gzip };
}

function columnsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new BargeError('usage', `--columns has an empty name: "${value}"`);
  // As SQLite finds them: "id" and "ID" are one column (a CSV with it twice would not load back).
  const keys = names.map(nameKey);
  const second = keys.findIndex((key, i) => keys.indexOf(key) !== i);
  if (second !== -1) {
    const first = names[keys.indexOf(keys[second]!)]!;
    const twice = names[second]!;
    throw new BargeError('usage', first === twice
      ? `--columns names "${twice}" twice`
      : `--columns names one column twice: "${first}" and "${twice}" differ only in case, and SQLite takes them for the same column`);
  }
  return names;
}
