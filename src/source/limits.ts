/**
 * Bounds that keep memory flat whatever the input holds.
 */

/**
 * The longest record (in characters) any parser will buffer. Without a bound, one
 * stray quote in a CSV, or a JSON array element that never closes, would make the
 * parser hold the rest of a file of any size in memory before failing.
 */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/**
 * TSV's relaxed quoting (parse-csv.ts): a field starting with a quote is read as a quoted
 * field only when its closing quote comes within this many characters (from its opening
 * quote); a longer one is read as text up to its tab or line end, as an unclosed quote is.
 * Until the quote closes (or this runs out), the text after it must be held, to be read
 * again as lines of their own should the quote be a stray one. With the record limit above
 * as the bound, one stray quote held 16 Mi characters and re-read them into about 4M records
 * at once (2.0 GB of RSS for an 18.7 MB file of short lines; 240 MB without the quote). 1 Mi
 * characters (its records handed on 64 Ki characters at a time: CsvTokenizer.drain) keeps
 * that to a few MB (the same file: 250 MB), while a real quoted TSV field is far shorter:
 * spreadsheets, which write most quoted TSV, cap a cell at 32,767 characters (Excel) or
 * 50,000 (Google Sheets). Only barge's own export of a longer text holding a tab, a line
 * break or a quote goes past it (export such a table as CSV or NDJSON).
 */
export const MAX_TSV_QUOTED_FIELD_CHARS = 1024 * 1024;

/**
 * Records nested deeper than this are rejected (parseError too_deep): later stages
 * walk values recursively (validation, JSON.stringify into a column), and a broken
 * or hostile record thousands of levels deep must not overflow their stacks.
 */
export const MAX_DEPTH = 100;
/** A field's JSON value (a json column's text) nests one level less: its record is the first. */
export const MAX_VALUE_DEPTH = MAX_DEPTH - 1;

/**
 * About the most records a parser hands on at once. A 64 KB read holds ~450 of the
 * benchmark's 145-byte rows but ~9,000 one-column ones, and every record of a batch is alive
 * at once in both threads (the worker's objects, the import's rows, up to 8 batches in
 * flight): an import of 1M one-column records peaked at 176-186 MB of RSS and took
 * 0.63-0.71 s; with reads cut to ~1,024 records, 114-134 MB and 0.42-0.44 s. Rows as long
 * as the benchmark's are not cut at all.
 */
export const RECORDS_PER_BATCH = 1024;
