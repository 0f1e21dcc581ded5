/**
 * Where and why JSON.parse rejected a text, for the NDJSON and JSON-array parsers.
 *
 * V8's messages give no position for an unexpected token (`Unexpected token '@'`), so a
 * record spanning lines was reported at its first line, and they quote the offending
 * character raw: a line break or a CR in a message that must be one line. So once
 * JSON.parse has failed (never on the path of a valid record), a small hand-written
 * scan of the same text finds the first offending character itself and says what was
 * expected there, with every character it quotes shown printable.
 */
import { cutText } from '../cut-text.js';

/** What a failed JSON text is to its parser: how to name its end, and what may follow its value. */
export interface JsonTextContext {
  /** The end of the text: "the end of the line" (NDJSON), "the end of the record" (a JSON array's element). */
  end: string;
  /** What may follow the top-level value: "the end of the line", "',' or ']'". */
  afterValue: string;
  /** A hint when something else follows it. */
  afterValueHint?: string;
}

export interface JsonSyntaxProblem {
  /** Offset in the text of the offending character or token (the text's length: it ended too soon); undefined if unknown. */
  offset: number | undefined;
  /** `expected ..., got ...`: what was wrong there. */
  reason: string;
  /** How to fix it, when there is a likely way. */
  hint?: string;
}

/**
 * Why JSON.parse rejected `text` (it threw `error`): the first syntax error and its offset.
 * Falls back to V8's own reason (shortened, made printable) should the scan find nothing.
 */
export function jsonSyntaxProblem(text: string, error: unknown, context: JsonTextContext): JsonSyntaxProblem {
  return findJsonSyntaxError(text, context) ?? v8Problem(error);
}

/** `<reason> at column <n>; <hint>`: the message's tail after "not valid JSON: " or "invalid JSON near record n: ". */
export function jsonSyntaxMessage(problem: JsonSyntaxProblem, column: number | undefined): string {
  const at = column === undefined ? '' : ` at column ${column}`;
  return problem.hint === undefined ? `${problem.reason}${at}` : `${problem.reason}${at}; ${problem.hint}`;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const OBJECT = 1;
const ARRAY = 2;

const LITERALS = ['true', 'false', 'null'];

/**
 * A NUL where JSON's syntax goes wrong: UTF-16LE text read as UTF-8 has one after every ASCII
 * character (a CSV so read says so; JSON said only "got U+0000").
 */
function nulHint(text: string, offset: number): string | undefined {
  return text.charCodeAt(offset) === 0 ? 'the input looks like UTF-16 without a byte order mark: pass --encoding utf16le' : undefined;
}

/**
 * The first syntax error in `text` as JSON (RFC 8259, as JSON.parse reads it), or
 * undefined when there is none. Iterative: a failed text may nest millions of levels.
 */
export function findJsonSyntaxError(text: string, context: JsonTextContext): JsonSyntaxProblem | undefined {
  const n = text.length;
  let stack = new Uint8Array(64);
  let depth = 0;
  const problem = (offset: number, expected: string, hint = nulHint(text, offset), got = show(text, offset, context.end)): JsonSyntaxProblem =>
    hint === undefined ? { offset, reason: `expected ${expected}, got ${got}` } : { offset, reason: `expected ${expected}, got ${got}`, hint };

  /** A property name (a string) at i, then ':'; returns the index after the ':' and its spaces, or a problem. */
  const member = (i: number, afterComma: boolean): number | JsonSyntaxProblem => {
    const c = text.charCodeAt(i);
    if (c !== QUOTE) {
      const expected = 'a property name in double quotes';
      if (afterComma && c === CLOSE_BRACE) return problem(i, expected, 'remove the trailing comma');
      if (c === APOSTROPHE) return problem(i, expected, 'put property names in double quotes, not single ones');
      const word = wordAt(text, i);
      if (word !== undefined) return problem(i, expected, 'put property names in double quotes', quoted(word));
      return problem(i, expected);
    }
    const end = stringEnd(text, i, context.end);
    if (typeof end !== 'number') return end;
    const j = skipSpace(text, end);
    if (text.charCodeAt(j) !== COLON) return problem(j, "':' after a property name");
    return skipSpace(text, j + 1);
  };

  let i = skipSpace(text, 0);
  for (;;) {
    // A value at i.
    if (i >= n) return problem(i, 'a value');
    const c = text.charCodeAt(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === stack.length) {
        const grown = new Uint8Array(stack.length * 2);
        grown.set(stack);
        stack = grown;
      }
      stack[depth++] = c === OPEN_BRACE ? OBJECT : ARRAY;
      i = skipSpace(text, i + 1);
      if (c === OPEN_BRACE) {
        if (text.charCodeAt(i) === CLOSE_BRACE) {
          depth--;
          i++;
        } else {
          const next = member(i, false);
          if (typeof next !== 'number') return next;
          i = next;
          continue;
        }
      } else if (text.charCodeAt(i) === CLOSE_BRACKET) {
        depth--;
        i++;
      } else {
        continue;
      }
    } else if (c === QUOTE) {
      const end = stringEnd(text, i, context.end);
      if (typeof end !== 'number') return end;
      i = end;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const end = numberEnd(text, i, problem);
      if (typeof end !== 'number') return end;
      i = end;
    } else {
      const word = wordAt(text, i);
      if (word !== undefined && LITERALS.includes(word)) {
        i += word.length;
      } else if (word !== undefined) {
        return problem(i, 'a value', wordHint(word), quoted(word));
      } else if (c === APOSTROPHE) {
        return problem(i, 'a value', 'put text in double quotes, not single ones');
      } else {
        return problem(i, 'a value');
      }
    }
    // After a value: close the containers it ends, until a ',' asks for the next value.
    for (;;) {
      i = skipSpace(text, i);
      if (depth === 0) {
        if (i >= n) return undefined;
        return problem(i, context.afterValue, startsValue(text.charCodeAt(i)) ? context.afterValueHint : undefined);
      }
      const inObject = stack[depth - 1] === OBJECT;
      const close = inObject ? CLOSE_BRACE : CLOSE_BRACKET;
      const d = text.charCodeAt(i);
      if (d === close) {
        depth--;
        i++;
        continue;
      }
      if (d === COMMA) {
        i = skipSpace(text, i + 1);
        if (inObject) {
          const next = member(i, true);
          if (typeof next !== 'number') return next;
          i = next;
        } else if (text.charCodeAt(i) === CLOSE_BRACKET) {
          return problem(i, 'a value', 'remove the trailing comma');
        }
        break;
      }
      const expected = inObject ? "',' or '}' after a property value" : "',' or ']' after an array element";
      return problem(i, expected, startsValue(d) ? "is a ',' missing?" : undefined);
    }
  }
}

/** JSON's whitespace: space, tab, LF, CR (not the other characters String.trim() knows). */
function skipSpace(text: string, i: number): number {
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** A character that may start a JSON value (after a value, it hints at a missing comma). */
function startsValue(c: number): boolean {
  return c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET || c === MINUS || isDigit(c) || (c >= 0x61 && c <= 0x7a);
}

/** The index after the string starting with the '"' at i, or a problem. */
function stringEnd(text: string, i: number, endName: string): number | JsonSyntaxProblem {
  const n = text.length;
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) {
      const k = j + 1;
      if (k >= n) break;
      const e = text[k]!;
      if (e === 'u') {
        for (let h = k + 1; h <= k + 4; h++) {
          if (h >= n || !isHex(text.charCodeAt(h))) {
            return { offset: h, reason: `expected 4 hex digits after '\\u', got ${show(text, h, endName)}` };
          }
        }
        j = k + 4;
      } else if ('"\\/bfnrt'.includes(e)) {
        j = k;
      } else {
        return {
          offset: k,
          reason: `expected one of " \\ / b f n r t u after '\\', got ${show(text, k, endName)}`,
          hint: 'write a backslash as \\\\',
        };
      }
    } else if (c < SPACE) {
      const escape = c === TAB ? '\\t' : c === LF ? '\\n' : c === CR ? '\\r' : `\\u${hex4(c)}`;
      return { offset: j, reason: `unescaped ${show(text, j, endName)} inside a string`, hint: `write it as ${escape}` };
    }
  }
  return { offset: n, reason: `expected '"' to close the string, got ${endName}` };
}

/** The index after the number starting at i, or a problem. */
function numberEnd(
  text: string,
  i: number,
  problem: (offset: number, expected: string, hint?: string, got?: string) => JsonSyntaxProblem,
): number | JsonSyntaxProblem {
  let j = i;
  if (text.charCodeAt(j) === MINUS) {
    j++;
    if (!isDigit(text.charCodeAt(j))) return problem(j, "a digit after '-'");
  }
  if (text.charCodeAt(j) === ZERO) {
    j++;
    if (isDigit(text.charCodeAt(j))) {
      let k = j;
      while (isDigit(text.charCodeAt(k))) k++;
      return problem(i, 'a number without a leading zero', 'put it in double quotes to keep it as text', quoted(text.slice(i, k)));
    }
  } else {
    while (isDigit(text.charCodeAt(j))) j++;
  }
  if (text.charCodeAt(j) === DOT) {
    j++;
    if (!isDigit(text.charCodeAt(j))) return problem(j, "a digit after '.'");
    while (isDigit(text.charCodeAt(j))) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 || e === 0x45) {
    j++;
    const sign = text.charCodeAt(j);
    if (sign === 0x2b || sign === MINUS) j++;
    if (!isDigit(text.charCodeAt(j))) return problem(j, 'a digit in the exponent');
    while (isDigit(text.charCodeAt(j))) j++;
  }
  return j;
}

/**
 * A bare word at i (`tru`, `None`, `Alice`, `NaN`): letters, digits and the like up to a
 * delimiter, as long as it starts with a letter, '_' or '$'; else undefined. Read up to
 * 21 characters, enough to tell a literal and to show 20 with "...".
 */
function wordAt(text: string, i: number): string | undefined {
  const first = text.codePointAt(i);
  if (first === undefined) return undefined;
  if (!(first === 0x5f || first === 0x24 || /\p{L}/u.test(String.fromCodePoint(first)))) return undefined;
  let j = i;
  for (let count = 0; j < text.length && count <= 20; count++) {
    const cp = text.codePointAt(j)!;
    const ch = String.fromCodePoint(cp);
    if (' ,:{}[]"\''.includes(ch) || needsEscape(ch)) break;
    j += ch.length;
  }
  return text.slice(i, j);
}

function wordHint(word: string): string {
  const lower = word.toLowerCase();
  if (LITERALS.includes(lower)) return 'write true, false and null in lower case';
  if (['none', 'nil', 'undefined', 'nan', 'infinity'].includes(lower)) return `write null (JSON has no ${word})`;
  const meant = LITERALS.find((literal) => literal.startsWith(word) || word.startsWith(literal));
  return meant === undefined ? 'put text in double quotes' : `did you mean ${meant}?`;
}

/** `'tru'`: a token shown in a message (only printable characters reach it), cut when long. */
function quoted(token: string): string {
  const cut = [...token];
  return cut.length > 20 ? `'${cut.slice(0, 20).join('')}...'` : `'${token}'`;
}

/**
 * The character at i as a message shows it: `'@'`, `"'"`, a tab, LF or CR as `'\t'`,
 * `'\n'`, `'\r'`, any other control, format or separator character as `U+0001`, never raw.
 */
function show(text: string, i: number, endName: string): string {
  if (i >= text.length) return endName;
  const cp = text.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  if (cp === TAB) return "'\\t'";
  if (cp === LF) return "'\\n'";
  if (cp === CR) return "'\\r'";
  if (needsEscape(ch)) return `U+${hex4(cp)}`;
  return ch === "'" ? `"'"` : `'${ch}'`;
}

/**
 * Characters never put raw into a message: controls, format characters (bidi overrides,
 * zero-width ones, BOM), line and paragraph separators, spaces other than U+0020,
 * lone surrogates, private-use and unassigned code points.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const INVISIBLE_ALL = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu;

function needsEscape(ch: string): boolean {
  return ch !== ' ' && INVISIBLE.test(ch);
}

/** Text from the input made safe for a one-line message: the characters needsEscape() names as `\uXXXX`. */
export function printable(text: string): string {
  return text.replace(INVISIBLE_ALL, (ch) => (ch === ' ' ? ch : `\\u${hex4(ch.codePointAt(0)!)}`));
}

function hex4(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

/** V8's reason, without its echo of the input and made printable, with its position if it gave one. */
function v8Problem(error: unknown): JsonSyntaxProblem {
  let message = error instanceof Error ? error.message : String(error);
  const echo = /^(.*?), (?:\.\.\.)?".* is not valid JSON$/s.exec(message);
  if (echo !== null) message = echo[1]!;
  message = message.replace(/ \(line \d+ column \d+\)/, '').replace(' in JSON at position', ' at position');
  let offset: number | undefined;
  message = message.replace(/ at position (\d+)/, (_, position: string) => {
    offset = Number(position);
    return '';
  });
  message = printable(message);
  return { offset, reason: message.length > 200 ? `${cutText(message, 200)}...` : message };
}
