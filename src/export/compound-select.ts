import { nameKey } from '../schema/names.js';
import type { Db } from '../store/open-database.js';

/**
 * Whether the rows of `sql` are a compound SELECT's (UNION, UNION ALL, INTERSECT, EXCEPT): the
 * statement is one, or it reads one view alone (no join) that is, or reads, one. SQLite names a
 * compound result column's origin after its first SELECT alone, so the type barge read from it (a
 * boolean) was given to every branch's values: the quantities 0 and 1 of a second branch came out
 * as false and true. A compound anywhere else (`WHERE id IN (SELECT 1 UNION SELECT 2)`, a subquery
 * joined as a filter, a CTE) is not counted: the columns that read a table still read it, and
 * were typed so before (a compound subquery or CTE read as a source keeps its first SELECT's
 * types; the README says so). Read from the SQL text, its strings, quoted names' contents and
 * comments aside.
 */
export function readsCompoundSelect(db: Db, sql: string): boolean {
  const views = new Map((db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view'").all() as Array<{ name: string; sql: string | null }>)
    .map((view) => [nameKey(view.name), view.sql ?? '']));
  const seen = new Set<string>();
  for (let text: string | undefined = sql; text !== undefined;) {
    const found = topLevel(text);
    if (found.compound) return true;
    const view = found.soleSource === undefined ? undefined : views.get(found.soleSource);
    if (view === undefined || seen.has(found.soleSource!)) return false;
    seen.add(found.soleSource!);
    text = view;
  }
  return false;
}

interface Token {
  kind: 'word' | 'name' | 'open' | 'close' | 'comma';
  text: string;
}

const COMPOUND = new Set(['union', 'intersect', 'except']);
/** Words that end a FROM clause's list of tables. */
const FROM_ENDS = new Set(['where', 'group', 'having', 'order', 'limit', 'window', 'union', 'intersect', 'except', 'returning']);

/**
 * Of the statement's own level (outside parentheses): whether a compound keyword stands there,
 * and the table or view its FROM reads when it reads just one (no JOIN, no comma).
 */
function topLevel(sql: string): { compound: boolean; soleSource: string | undefined } {
  let depth = 0;
  let inFrom = false;
  let previous: Token | undefined;
  const sources: string[] = [];
  let joined = false;
  for (const token of tokensOf(sql)) {
    if (token.kind === 'open') depth++;
    else if (token.kind === 'close') depth = Math.max(0, depth - 1);
    else if (depth === 0 && token.kind === 'word' && COMPOUND.has(token.text)) return { compound: true, soleSource: undefined };
    else if (depth === 0 && token.kind === 'word' && token.text === 'from') inFrom = true;
    else if (depth === 0 && token.kind === 'word' && FROM_ENDS.has(token.text)) inFrom = false;
    else if (depth === 0 && inFrom && (token.kind === 'comma' || (token.kind === 'word' && token.text === 'join'))) joined = true;
    else if (depth === 0 && inFrom && (token.kind === 'word' || token.kind === 'name') && previous?.kind === 'word' && previous.text === 'from') sources.push(token.text);
    previous = token;
  }
  return { compound: false, soleSource: sources.length === 1 && !joined ? sources[0] : undefined };
}

/** SQL's tokens that matter here, strings and comments left out; words and names with their ASCII letters in lower case, as SQLite compares them. */
function* tokensOf(sql: string): Generator<Token> {
  const token = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"((?:[^"]|"")*)"?|`((?:[^`]|``)*)`?|\[([^\]]*)\]?|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)|(\()|(\))|(,)/g;
  for (const match of sql.matchAll(token)) {
    if (match[4] !== undefined) yield { kind: 'word', text: nameKey(match[4]) };
    else if (match[1] !== undefined) yield { kind: 'name', text: nameKey(match[1].replace(/""/g, '"')) };
    else if (match[2] !== undefined) yield { kind: 'name', text: nameKey(match[2].replace(/``/g, '`')) };
    else if (match[3] !== undefined) yield { kind: 'name', text: nameKey(match[3]) };
    else if (match[5] !== undefined) yield { kind: 'open', text: '(' };
    else if (match[6] !== undefined) yield { kind: 'close', text: ')' };
    else if (match[7] !== undefined) yield { kind: 'comma', text: ',' };
  }
}
