import type { Validator } from '../schema/index.js';
import type { FieldError } from '../schema/types.js';
import type { SourceRecord } from '../source/types.js';
import type { ValidatedChunk } from './validated-source.js';

/** The row of an accepted record when the caller asked for none (`rowsNeeded: false`). */
const NO_ROW: unknown[] = [];

/**
 * Validates one chunk of records: a parse error (ragged row, bad JSON line)
 * or the validator's verdict. `keepAccepted` keeps the accepted records in the
 * chunk (in-process); a worker keeps them on its side instead. `rowsNeeded: false`
 * (`barge validate`) gives every accepted record the same empty row.
 */
export function validateChunk(id: number, records: SourceRecord[], validator: Validator, keepAccepted: boolean, rowsNeeded = true): ValidatedChunk {
  const count = records.length;
  const rows: (unknown[] | null)[] = new Array(count);
  const errors: (FieldError[] | null)[] = new Array(count);
  const kept: (SourceRecord | undefined)[] = keepAccepted ? records : new Array(count);
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    if (record.parseError) {
      const { code, message, column } = record.parseError;
      rows[i] = null;
      errors[i] = [{ column: column ?? null, code, message, value: record.raw ?? null }];
      kept[i] = record;
      continue;
    }
    if (!rowsNeeded) {
      const found = validator.check(record.data, record.text, record.csv?.names);
      rows[i] = found === undefined ? NO_ROW : null;
      errors[i] = found ?? null;
      if (found !== undefined) kept[i] = record;
      continue;
    }
    const result = validator.validate(record.data, record.text, record.csv?.names);
    if (result.ok) {
      rows[i] = result.row;
      errors[i] = null;
    } else {
      rows[i] = null;
      errors[i] = result.errors;
      kept[i] = record;
    }
  }
  return { id, rows, errors, records: kept };
}
