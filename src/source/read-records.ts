import { parseCsv } from './parse-csv.js';
import { parseJsonArray } from './parse-json-array.js';
import { parseNdjson } from './parse-ndjson.js';
import type { OpenedInput, SourceOptions, SourceRecord } from './types.js';

/**
 * The records of an opened input, one array per chunk of input, whatever its
 * format (TSV is CSV with a tab delimiter, chosen by parseCsv from input.format).
 */
export function readRecords(input: OpenedInput, options: SourceOptions): AsyncIterable<SourceRecord[]> {
  switch (input.format) {
    case 'csv':
    case 'tsv':
      return parseCsv(input, options);
    case 'ndjson':
      return parseNdjson(input, options.keepJsonSource ? { ...options, keepSource: true } : options);
    case 'json':
      return parseJsonArray(input, options.keepJsonSource ? { ...options, keepSource: true } : options);
  }
}
