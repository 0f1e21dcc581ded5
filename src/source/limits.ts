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
 * Records nested deeper than this are rejected (parseError too_deep): later stages
 * walk values recursively (validation, JSON.stringify into a column), and a broken
 * or hostile record thousands of levels deep must not overflow their stacks.
 */
export const MAX_DEPTH = 100;
/** A field's JSON value (a json column's text) nests one level less: its record is the first. */
export const MAX_VALUE_DEPTH = MAX_DEPTH - 1;
