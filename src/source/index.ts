export type { InputFormat, OpenedInput, SourceOptions, SourceRecord } from './types.js';
export { openInput, openReadable, sniffFormat, isGzipPath } from './open-input.js';
export { formatFromPath } from './format-from-path.js';
export { readRecords } from './read-records.js';
export { parseCsv } from './parse-csv.js';
export { parseNdjson } from './parse-ndjson.js';
export { parseJsonArray } from './parse-json-array.js';
export { normalizeEncoding, InvalidTextError } from './decode-text.js';
export { MAX_DEPTH, MAX_RECORD_CHARS } from './limits.js';
