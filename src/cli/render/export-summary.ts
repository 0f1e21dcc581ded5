import type { ExportResult } from '../../export/run-export.js';
import { groupDigits } from '../../group-digits.js';
import { oneLine } from '../../one-line.js';

/** The --json summary of export (only with --out: otherwise stdout is the data). */
export function exportJson(result: ExportResult, db: string) {
  return {
    command: 'export',
    db,
    table: result.table,
    query: result.query,
    format: result.format,
    out: result.out,
    gzip: result.gzip,
    rows: result.rows,
    durationMs: result.durationMs,
    rowsPerSecond: result.rowsPerSecond,
  };
}

/** One line on stderr: `barge: exported 12 rows from "products" to out.csv (0.0 s, 273 rows/s)`. */
export function printExportSummary(stream: NodeJS.WritableStream, result: ExportResult): void {
  const rows = `${groupDigits(result.rows)} ${result.rows === 1 ? 'row' : 'rows'}`;
  const from = result.table !== null ? JSON.stringify(result.table) : 'the query';
  const to = result.out === '-' ? 'stdout' : oneLine(result.out);
  const seconds = (result.durationMs / 1000).toFixed(1);
  // Counted as written into the pipe, which the reader (`| head -1`) may not have read.
  const closed = result.outputClosed ? '; stopped early: the reader closed stdout, having read at most those' : '';
  const rate = `${groupDigits(result.rowsPerSecond)} rows/s`;
  stream.write(`barge: exported ${rows} from ${from} to ${to} (${seconds} s, ${rate})${closed}\n`);
}
