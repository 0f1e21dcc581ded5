import path from 'node:path';
import { BargeError } from '../errors.js';
import { shellWord } from '../shell-word.js';
import type { ExportFormat } from './export-format.js';

/**
 * An --out whose extension names a format barge does not write: a spreadsheet, Parquet, a
 * database, or another compression than gzip. `--out data.xlsx` wrote CSV into a file of that
 * name, exit 0, which Excel then refused as corrupt (and a `.db` one was no database). Refused
 * before anything is opened, with the name to give instead.
 */
export function foreignOutExtension(out: string, read: ExportRead): BargeError | undefined {
  const base = path.basename(out);
  let name = base.toLowerCase();
  if (name.endsWith('.gz')) name = name.slice(0, -3);
  const extension = path.extname(name);
  const advice = ADVICE[extension];
  if (advice === undefined) return undefined;
  // The same path with the extension barge writes: data.xlsx -> data.csv, data.csv.zip -> data.csv.gz.
  const stem = out.slice(0, out.length - (base.length - name.length) - extension.length);
  return new BargeError('usage', `--out ${out}: barge writes CSV, TSV, NDJSON or JSON${advice(stem, out, read)}`);
}

/** What the export reads, and in what format it writes: the advice's commands must run as given. */
interface ExportRead {
  /** undefined: a --query export. */
  table: string | undefined;
  dbPath: string;
  format: ExportFormat;
}

type Advice = (stem: string, out: string, read: ExportRead) => string;

const spreadsheet = (app: string): Advice => (stem) => `; name it ${shellWord(`${stem}.csv`)} (${app} opens it)`;
/** The rows into the database --out names, through a pipe (NDJSON keeps numbers and booleans typed). */
const database: Advice = (_stem, out, { table, dbPath }) => {
  const from = table === undefined ? '--query …' : `--table ${shellWord(table)}`;
  const name = table === undefined ? '<table>' : shellWord(table);
  return `, not a database; to copy the rows into one: barge export ${from} --db ${shellWord(dbPath)} --format ndjson | barge import - --format ndjson --table ${name} --db ${shellWord(out)}`;
};
/**
 * Another compression: gzip is the one barge writes (`data.csv.zip` -> `data.csv.gz`); a name with no
 * format's extension takes the export's (`x.xz` with --format ndjson -> `x.ndjson.gz`: `x.csv.gz` was
 * then refused as another format).
 */
const compressed = (what: string): Advice => (stem, _out, { format }) => {
  const kept = /\.(csv|tsv|ndjson|jsonl|json)$/i.exec(stem);
  // The name no format's: the export's. Another format's than one --format asked for (the
  // export's format, when not csv, can only have been asked, the name naming none): swapped,
  // as `data.csv.gz` beside --format ndjson was then refused.
  const named = kept === null ? `${stem}.${format}` : format !== 'csv' && sameFormat(kept[1]!) !== format ? `${stem.slice(0, kept.index)}.${format}` : stem;
  return `, compressed with gzip only, not ${what}; name it ${shellWord(`${named}.gz`)}`;
};

function sameFormat(extension: string): string {
  const lower = extension.toLowerCase();
  return lower === 'jsonl' ? 'ndjson' : lower;
}

const ADVICE: Record<string, Advice> = {
  '.xlsx': spreadsheet('Excel'),
  '.xls': spreadsheet('Excel'),
  '.ods': spreadsheet('LibreOffice Calc'),
  '.parquet': (stem) => `; name it ${shellWord(`${stem}.csv`)} and convert it with a Parquet tool (DuckDB: COPY (FROM '${stem}.csv') TO '${stem}.parquet')`,
  '.db': database,
  '.sqlite': database,
  '.sqlite3': database,
  '.zip': compressed('zip'),
  '.xz': compressed('xz'),
  '.bz2': compressed('bzip2'),
  '.zst': compressed('zstd'),
};
