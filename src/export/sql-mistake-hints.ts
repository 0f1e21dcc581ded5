import { shellWord } from '../shell-word.js';

/**
 * What to do about two SQLite messages an export's SQL commonly gets, which name the fault but
 * not the mistake behind it: a string value written without quotes (`--where name=a`: "no such
 * column: a") and a table's name given to --query (`--query data`: "near "data": syntax error").
 * Each returns the text to put after the message, or undefined when the mistake is not that.
 */

/**
 * `no such column: a` for a name that stands after a comparison (`name=a`, `city IN (Paris)`):
 * SQLite reads a bare word as a column, so the value needs single quotes. A missing name
 * before the operator (`colour = 1`) is a column misspelled, and gets no hint.
 */
export function unquotedValueHint(flag: '--where' | '--query', sql: string, sqliteMessage: string): string | undefined {
  const missing = /^no such column: ([A-Za-z_][A-Za-z0-9_]*)$/.exec(sqliteMessage)?.[1];
  if (missing === undefined) return undefined;
  const afterOperator = new RegExp(`(=|==|!=|<>|<|>|<=|>=|\\bLIKE|\\bGLOB|\\bIN\\s*\\()(\\s*)${missing}\\b(?!\\s*\\()`, 'i');
  const at = afterOperator.exec(sql);
  if (at === null) return undefined;
  if (flag === '--query') return `a string needs single quotes: '${missing}'`;
  const start = at.index + at[1]!.length + at[2]!.length;
  const fixed = `${sql.slice(0, start)}'${missing}'${sql.slice(start + missing.length)}`;
  return `a string needs single quotes: --where ${doubleQuoted(fixed)}`;
}

/** `--query data`: a table's (or a view's) name alone, where a SELECT goes. */
export function tableAsQueryHint(query: string): string | undefined {
  const name = /^\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*;?\s*$/.exec(query)?.[1];
  if (name === undefined) return undefined;
  const plain = name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
  return `--query takes a SELECT, e.g. --query ${doubleQuoted(`SELECT * FROM ${name}`)}, or give the table with --table ${shellWord(plain)}`;
}

/** A shell word in double quotes, as a user writes SQL holding single quotes; single-quoted when `$`, `` ` ``, `\`, `"` or `!` would be read by the shell. */
function doubleQuoted(text: string): string {
  return /[$`\\"!]/.test(text) ? shellWord(text) : `"${text}"`;
}
