import type { Db } from '../store/open-database.js';

/**
 * Whether the rows of `sql` come from a compound SELECT (UNION, UNION ALL, INTERSECT, EXCEPT):
 * the statement's own, one in a subquery or CTE it reads from, or a view it reads from that is
 * or reads one. SQLite names a compound result column's origin after its first SELECT alone, so
 * the type barge read from it (a boolean) was given to every branch's values: the quantities 0
 * and 1 of a second branch came out as false and true. A compound elsewhere (`WHERE id IN (SELECT
 * 1 UNION SELECT 2)`, a scalar subquery) gives no result column, and is not counted. Read from
 * the SQL text, its strings, quoted names' contents and comments aside.
 */
export function readsCompoundSelect(db: Db, sql: string): boolean {
  const views = new Map((db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view'").all() as Array<{ name: string; sql: string | null }>)
    .map((view) => [view.name.toLowerCase(), view.sql ?? '']));
  const seen = new Set<string>();
  const pending = [sql];
  for (let text = pending.pop(); text !== undefined; text = pending.pop()) {
    const found = rowSources(text);
    if (found.compound) return true;
    for (const name of found.tables) {
      const view = views.get(name);
      if (view !== undefined && !seen.has(name)) {
        seen.add(name);
        pending.push(view);
      }
    }
  }
  return false;
}

interface Token {
  kind: 'word' | 'name' | 'open' | 'close' | 'comma' | 'dot';
  text: string;
}

const COMPOUND = new Set(['union', 'intersect', 'except']);
/** Words that end a FROM clause's list of tables. */
const FROM_ENDS = new Set(['where', 'group', 'having', 'order', 'limit', 'window', 'on', 'using', 'union', 'intersect', 'except', 'select', 'values', 'returning']);

/**
 * What the rows of `sql` are read from: whether a compound keyword stands in a SELECT whose rows
 * reach the result (the statement itself, a parenthesis opened after FROM, JOIN, AS (a CTE) or a
 * comma of a FROM list), and the names of the tables and views such SELECTs read.
 */
function rowSources(sql: string): { compound: boolean; tables: string[] } {
  const tables: string[] = [];
  /** Per parenthesis level: whether its rows reach the result, and whether a FROM list is open. */
  const reaches: boolean[] = [true];
  const inFrom: boolean[] = [false];
  let previous: Token | undefined;
  for (const token of tokensOf(sql)) {
    const level = reaches.length - 1;
    if (token.kind === 'open') {
      const source = previous !== undefined && ((previous.kind === 'word' && (previous.text === 'from' || previous.text === 'join' || previous.text === 'as')) || (previous.kind === 'comma' && inFrom[level] === true));
      reaches.push(reaches[level] === true && source);
      inFrom.push(false);
    } else if (token.kind === 'close') {
      if (reaches.length > 1) {
        reaches.pop();
        inFrom.pop();
      }
    } else if (token.kind === 'word' && COMPOUND.has(token.text) && reaches[level] === true) {
      return { compound: true, tables };
    } else if (token.kind === 'word' && (token.text === 'from' || token.text === 'join')) {
      inFrom[level] = true;
    } else if (token.kind === 'word' && FROM_ENDS.has(token.text)) {
      inFrom[level] = false;
    } else if ((token.kind === 'word' || token.kind === 'name') && reaches[level] === true && previous !== undefined
      && ((previous.kind === 'word' && (previous.text === 'from' || previous.text === 'join')) || (previous.kind === 'comma' && inFrom[level] === true))) {
      tables.push(token.text);
    }
    previous = token;
  }
  return { compound: false, tables };
}

/** SQL's tokens that matter here, strings and comments left out; words and names in lower case. */
function* tokensOf(sql: string): Generator<Token> {
  const token = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'?|"((?:[^"]|"")*)"?|`((?:[^`]|``)*)`?|\[([^\]]*)\]?|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)|(\()|(\))|(,)|(\.)/g;
  for (const match of sql.matchAll(token)) {
    if (match[4] !== undefined) yield { kind: 'word', text: match[4].toLowerCase() };
    else if (match[1] !== undefined) yield { kind: 'name', text: match[1].replace(/""/g, '"').toLowerCase() };
    else if (match[2] !== undefined) yield { kind: 'name', text: match[2].replace(/``/g, '`').toLowerCase() };
    else if (match[3] !== undefined) yield { kind: 'name', text: match[3].toLowerCase() };
    else if (match[5] !== undefined) yield { kind: 'open', text: '(' };
    else if (match[6] !== undefined) yield { kind: 'close', text: ')' };
    else if (match[7] !== undefined) yield { kind: 'comma', text: ',' };
    else if (match[8] !== undefined) yield { kind: 'dot', text: '.' };
  }
}
