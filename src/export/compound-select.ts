import type { Db } from '../store/open-database.js';

/**
 * Whether `sql` is, or reads a view that is, a compound SELECT (UNION, UNION ALL, INTERSECT,
 * EXCEPT). SQLite names a compound result column's origin after its first SELECT alone, so the
 * type barge read from it (a boolean) was given to every branch's values: the quantities 0 and 1
 * of a second branch came out as false and true. Read from the SQL text, its strings, quoted
 * names and comments left out; views by name, as deep as they go.
 */
export function readsCompoundSelect(db: Db, sql: string): boolean {
  const views = new Map((db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view'").all() as Array<{ name: string; sql: string | null }>)
    .map((view) => [view.name.toLowerCase(), view.sql ?? '']));
  const seen = new Set<string>();
  const pending = [sql];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    const { words, names } = wordsOf(text);
    if (words.some((word) => COMPOUND.has(word))) return true;
    for (const name of [...words, ...names]) {
      const view = views.get(name);
      if (view !== undefined && !seen.has(name)) {
        seen.add(name);
        pending.push(view);
      }
    }
  }
  return false;
}

const COMPOUND = new Set(['union', 'intersect', 'except']);

/** The bare words of SQL text (lower case) and its quoted names, without its strings and comments. */
function wordsOf(sql: string): { words: string[]; names: string[] } {
  const words: string[] = [];
  const names: string[] = [];
  const token = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"((?:[^"]|"")*)"?|`((?:[^`]|``)*)`?|\[([^\]]*)\]?|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g;
  for (const match of sql.matchAll(token)) {
    if (match[4] !== undefined) words.push(match[4].toLowerCase());
    else if (match[1] !== undefined) names.push(match[1].replace(/""/g, '"').toLowerCase());
    else if (match[2] !== undefined) names.push(match[2].replace(/``/g, '`').toLowerCase());
    else if (match[3] !== undefined) names.push(match[3].toLowerCase());
  }
  return { words, names };
}
