import type { ValidateResult } from '../../pipeline/run-validate.js';
import { inputList, plural } from './import-summary.js';
import { groupDigits } from '../../group-digits.js';
import { oneLine } from '../../one-line.js';

/** The --json summary of validate (its shape is documented in the README and kept stable). */
export function validateJson(result: ValidateResult, inputs: string[], warnings: readonly string[] = []) {
  return {
    command: 'validate',
    table: result.table,
    schema: result.schemaOrigin,
    inputs,
    counts: result.counts,
    reportPath: result.reportPath,
    durationMs: result.durationMs,
    recordsPerSecond: result.recordsPerSecond,
    stoppedEarly: result.stoppedEarly ?? null,
    firstErrors: result.firstErrors,
    // As import's: the warning lines stderr shows (also under --quiet, which hides them there).
    warnings: [...warnings],
  };
}

/**
 * The human summary of validate on stderr, shaped like import's:
 *
 *   barge: validate products.csv against "products" (file schema): 1 invalid record
 *     read 12, valid 11, rejected 1
 *     0.1 s, 148 records/s
 *     products.csv:line 7, column "price": expected a number >= 0, got "-3"
 *     report: /home/me/products.errors.ndjson
 */
export function printValidateSummary(stream: NodeJS.WritableStream, result: ValidateResult, inputs: string[]): void {
  const c = result.counts;
  const lines = [
    firstLine(result, inputs),
    `  read ${groupDigits(c.read)}, valid ${groupDigits(c.valid)}, rejected ${groupDigits(c.rejected)}`,
    `  ${(result.durationMs / 1000).toFixed(1)} s, ${groupDigits(result.recordsPerSecond)} records/s`,
  ];
  if (result.stoppedEarly && result.stoppedEarly !== 'interrupted') lines.push(`  ${result.stoppedEarly}`);
  // Each names its input, whose name may hold a newline: the summary's lines stay its own.
  for (const error of result.firstErrors) lines.push(`  ${oneLine(error)}`);
  const unshown = c.rejected - result.firstErrors.length;
  if (unshown > 0 && result.firstErrors.length > 0) lines.push(`  ... and ${plural(unshown, 'more invalid record')}${result.reportPath ? ' in the report' : ''}`);
  // Not "import it": the report holds only the rejected records, and validate loaded none of the others.
  if (result.reportPath) lines.push(`  report: ${oneLine(result.reportPath)} (fix these records in the input, then import the input)`);
  stream.write(lines.join('\n') + '\n');
}

/** `barge: validate products.csv against "products" (file schema): <verdict>` */
function firstLine(result: ValidateResult, inputs: string[]): string {
  const c = result.counts;
  const names = inputList(inputs);
  const verdict = result.stoppedEarly === 'interrupted'
    ? `interrupted after ${plural(c.read, 'record')}${c.rejected > 0 ? `, ${plural(c.rejected, 'invalid record')} so far` : ''}`
    : c.rejected > 0 ? plural(c.rejected, 'invalid record') : 'every record is valid';
  return `barge: validate ${names} against "${oneLine(result.table)}" (${result.schemaOrigin} schema): ${verdict}`;
}

/** An interrupted validate under --quiet: the summary's first line alone. */
export function printValidateInterrupted(stream: NodeJS.WritableStream, result: ValidateResult, inputs: string[]): void {
  stream.write(`${firstLine(result, inputs)}\n`);
}
