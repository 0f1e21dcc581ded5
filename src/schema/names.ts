import { cutText } from '../cut-text.js';
import { BargeError } from '../errors.js';

/**
 * Table and column names reach SQL only through quoteIdent: barge never
 * splices a name into SQL unquoted, so spaces, quotes, keywords ("select")
 * and even `"; DROP TABLE x; --` are just names. What remains unsafe is the
 * short list in nameProblem.
 */

/** A SQL identifier in double quotes, inner quotes doubled (https://sqlite.org/lang_keywords.html). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * SQLite's limit on the columns of a table (SQLITE_MAX_COLUMN, 2000 in better-sqlite3's build):
 * a wider table fails only at CREATE TABLE, as a database error (exit 3) after the input was opened.
 */
export const MAX_COLUMNS = 2000;

/**
 * SQLite compares names case-insensitively, ASCII letters only (https://sqlite.org/lang_keywords.html):
 * "id" and "ID" are the same column, "é" and "É" are not. The key to compare names by.
 */
export function nameKey(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Longer names are almost always a mistake (a whole CSV line taken as a header). */
export const MAX_NAME_LENGTH = 128;

// C0 and C1 controls: invisible in messages and terminals, and NUL ends a C string inside SQLite.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone surrogate cannot be encoded as UTF-8, so SQLite would store a different name.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A name quoted for a message. JSON.stringify escapes C0 controls but leaves DEL and the C1
 * controls (U+007F-U+009F) raw, so the message about a control character showed none.
 */
export function visible(name: string): string {
  return JSON.stringify(name).replace(/[\u007f-\u009f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Why barge cannot use `name`, or undefined when it can. Shared by checkName
 * (a usage error) and the schema file check (a schema error naming the key).
 */
export function nameProblem(name: string, what: 'table' | 'column'): string | undefined {
  if (name.length === 0) return `${what} name is empty`;
  // Characters as maxLength counts them (code points): 79 of them, emoji among them, were
  // "longer than 128 characters (139)".
  const characters = [...name].length;
  if (characters > MAX_NAME_LENGTH) {
    return `${what} name ${visible(cutText(name, 20) + '…')} is longer than ${MAX_NAME_LENGTH} characters (${characters})`;
  }
  if (CONTROL.test(name)) return `${what} name ${visible(name)} contains a control character`;
  if (LONE_SURROGATE.test(name)) return `${what} name ${JSON.stringify(name)} is not valid Unicode`;
  // Records are plain JavaScript objects keyed by column name; this key would set their prototype.
  if (name === '__proto__') return `${what} name "__proto__" cannot be used (it is special in JavaScript objects)`;
  // A CSV or TSV export's header would begin with it, and every reader (barge too) drops a byte
  // order mark there: the column would not come back.
  if (name.startsWith('\uFEFF')) return `${what} name ${visible(name)} starts with U+FEFF (a byte order mark), which a CSV file's first name loses; remove it`;
  // SQLite compares names case-insensitively, so the reserved prefixes are too.
  const lower = name.toLowerCase();
  if (lower.startsWith('sqlite_')) {
    return `${what} name ${JSON.stringify(name)} starts with "sqlite_", which SQLite reserves; choose another name`;
  }
  if (lower.startsWith('_barge')) {
    return `${what} name ${JSON.stringify(name)} starts with "_barge", which barge reserves for its own tables and report fields; choose another name`;
  }
  return undefined;
}

/** Throws BargeError('usage') when barge cannot handle `name` safely. */
export function checkName(name: string, what: 'table' | 'column'): void {
  const problem = nameProblem(name, what);
  if (problem !== undefined) throw new BargeError('usage', problem);
}
