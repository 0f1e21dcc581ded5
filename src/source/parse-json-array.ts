import { shellWord } from '../shell-word.js';
import { BargeError } from '../errors.js';
import { textChunks, withLine } from './decode-text.js';
import { jsonSyntaxMessage, jsonSyntaxProblem, printable, type JsonTextContext } from './json-syntax-error.js';
import { describeJsonValue, TEXT_MARKER, tooDeepMessage } from './json-values.js';
import { MAX_DEPTH, MAX_RECORD_CHARS } from './limits.js';
import { charsPerRecordOf, pieceEnd } from './text-pieces.js';
import type { OpenedInput, SourceOptions, SourceRecord } from './types.js';

/**
 * Parses a JSON input holding one top-level array of objects, streamed: only the
 * element being read is ever held, so a file of any size loads in flat memory.
 *
 * Not stream-json: its token-per-event streams parse about 140k small objects a
 * second here, and give no positions. Instead a small scanner finds where each
 * array element begins and ends (tracking strings, nesting depth and line breaks), and
 * JSON.parse, which is native and validates, parses the element: about 8 times
 * faster, and every record's line is exact (the line its element starts on; LF, CRLF
 * and a lone CR each count as one line break, as in CSV).
 *
 * An element that is not an object, or nests deeper than MAX_DEPTH, is a record
 * with a parseError. Invalid JSON stops the input: after a syntax error the rest of
 * the array cannot be trusted to split into the right records. Its message names the
 * line and column of the first offending character (json-syntax-error.ts finds it once
 * JSON.parse has failed). An empty input is an error too: a JSON input is one array,
 * `[]` when it holds no records, and nothing at all is more likely a truncated file.
 */
export async function* parseJsonArray(input: OpenedInput, options: SourceOptions): AsyncGenerator<SourceRecord[]> {
  const scanner = new JsonArrayScanner(input.name, options.keepSource === true);
  try {
    let perRecord: number | undefined;
    for await (const text of textChunks(input, options.encoding)) {
      // Short records are scanned a piece of the chunk at a time (RECORDS_PER_BATCH).
      for (let at = 0; at < text.length;) {
        const end = pieceEnd(text, at, perRecord, true);
        const batch: SourceRecord[] = [];
        scanner.push(text.slice(at, end), batch);
        perRecord = charsPerRecordOf(end - at, batch.length);
        at = end;
        if (batch.length > 0) yield batch;
      }
    }
    scanner.end();
  } catch (error) {
    throw withLine(error, scanner.line);
  }
}

const enum Phase {
  /** Before the opening `[`. */
  Start,
  /** After `[`: an element or `]`. */
  First,
  /** After `,`: an element. */
  Next,
  /** Inside an element. */
  Element,
  /** After an element: `,` or `]`. */
  After,
  /** After the closing `]`: only whitespace. */
  Done,
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Splits a JSON array's text, fed in chunks, into its elements. Exported for tests;
 * state lives in fields so scanning survives any chunk boundary (inside a string,
 * an escape, a number...).
 */
export class JsonArrayScanner {
  /** The line the scanner is on, 1-based. */
  line = 1;
  /** Offset in the whole input of the current push's first character, and of the next push's. */
  private chunkOffset = 0;
  private nextChunkOffset = 0;
  /** Offset in the whole input of the current line's first character (for columns in messages). */
  private lineStart = 0;
  /** The character before the current push is a CR (an LF first in the push is its CRLF's). */
  private crBefore = false;
  /** The last character pushed is a CR. */
  private endsWithCr = false;
  private phase = Phase.Start;
  private recordNo = 0;
  // The element being scanned.
  private parts: string[] = [];
  private partsLength = 0;
  private elementLine = 1;
  /** The column (1-based) of the element's first character on its line. */
  private elementColumn = 1;
  private depth = 0;
  private maxDepth = 0;
  private inString = false;
  private escaped = false;
  /** A number or literal element (true, false, null): ends at a delimiter. */
  private bare = false;
  /**
   * Index of the next backslash in the current chunk (-1: none left, -2: not looked
   * for yet). Kept across elements so a chunk without backslashes is searched once,
   * not once per string.
   */
  private backslash = -2;

  constructor(
    private readonly input: string,
    private readonly keepSource = false,
  ) {}

  push(text: string, out: SourceRecord[]): void {
    this.backslash = -2;
    const n = text.length;
    if (n === 0) return;
    this.chunkOffset = this.nextChunkOffset;
    this.nextChunkOffset += n;
    this.crBefore = this.endsWithCr;
    this.endsWithCr = text.charCodeAt(n - 1) === CR;
    let i = 0;
    while (i < n) {
      switch (this.phase) {
        case Phase.Element: {
          const start = this.elementStart;
          const end = this.scanElement(text, i);
          if (end === -1) {
            this.keep(text.slice(start));
            this.elementStart = 0; // the element goes on at the start of the next chunk
            return;
          }
          const elementText =
            this.parts.length === 0 ? text.slice(start, end) : this.parts.join('') + text.slice(start, end);
          this.parts = [];
          this.partsLength = 0;
          out.push(this.toRecord(elementText));
          this.phase = Phase.After;
          i = end;
          break;
        }
        case Phase.Start:
        case Phase.First:
        case Phase.Next:
        case Phase.After:
        case Phase.Done: {
          i = this.skipSpace(text, i);
          if (i === n) return;
          i = this.punctuation(text, i);
          break;
        }
      }
    }
  }

  /** Call after the last chunk. */
  end(): void {
    if (this.phase === Phase.Element && this.bare) {
      // A bare value at the very end: the array was never closed anyway.
      this.phase = Phase.After;
    }
    if (this.phase === Phase.Done) return;
    if (this.phase === Phase.Start) {
      const got = this.nextChunkOffset === 0 ? 'an empty input' : 'only whitespace';
      throw new BargeError('input', `${this.input}: expected a JSON array of objects, got ${got}; a JSON input with no records is []`, {
        input: this.input,
      });
    }
    throw this.syntaxError(
      this.line,
      Math.max(this.recordNo, 1),
      'unexpected end of input, the array is not closed (is the file truncated?)',
    );
  }

  /** The LF at i in this push follows a CR (so the CR counted their CRLF). */
  private afterCr(text: string, i: number): boolean {
    return i > 0 ? text.charCodeAt(i - 1) === CR : this.crBefore;
  }

  /** Where the current element starts in the current chunk (set by punctuation()). */
  private elementStart = 0;

  private skipSpace(text: string, i: number): number {
    const n = text.length;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      // A line break: LF, CRLF (counted at its CR) or a lone CR.
      if (c === CR || c === LF) {
        if (c === CR || !this.afterCr(text, i)) this.line++;
        this.lineStart = this.chunkOffset + i + 1;
      } else if (c !== SPACE && c !== TAB) break;
    }
    return i;
  }

  /** Handles the character at i outside elements; returns where to continue. */
  private punctuation(text: string, i: number): number {
    const c = text.charCodeAt(i);
    switch (this.phase) {
      case Phase.Start:
        if (c !== OPEN_BRACKET) throw this.notAnArray(text, i);
        this.phase = Phase.First;
        return i + 1;
      case Phase.First:
        if (c === CLOSE_BRACKET) {
          this.phase = Phase.Done;
          return i + 1;
        }
        if (c === COMMA) throw this.extraComma(i, "'['");
        return this.beginElement(text, i);
      case Phase.Next:
        if (c === CLOSE_BRACKET) {
          throw this.syntaxError(this.line, this.recordNo, `expected a record after ',', got ']' at column ${this.column(i)}; remove the trailing comma`);
        }
        if (c === COMMA) throw this.extraComma(i, "','");
        return this.beginElement(text, i);
      case Phase.After:
        if (c === COMMA) {
          this.phase = Phase.Next;
          return i + 1;
        }
        if (c === CLOSE_BRACKET) {
          this.phase = Phase.Done;
          return i + 1;
        }
        throw this.syntaxError(
          this.line,
          this.recordNo,
          `expected ',' or ']' after record ${this.recordNo}, got ${show(text, i)} at column ${this.column(i)}`,
        );
      default:
        throw this.syntaxError(this.line, this.recordNo, `unexpected ${show(text, i)} after the closing ']' at column ${this.column(i)}`);
    }
  }

  /** `[,` or `,,`: an empty element, said as such (it was "expected a value, got the end of the record"). */
  private extraComma(i: number, after: string): BargeError {
    return this.syntaxError(this.line, this.recordNo + 1, `expected a record after ${after}, got ',' at column ${this.column(i)}; remove the extra comma`);
  }

  private beginElement(text: string, i: number): number {
    this.recordNo++;
    this.elementLine = this.line;
    this.elementColumn = this.column(i);
    this.elementStart = i;
    this.depth = 0;
    this.maxDepth = 0;
    this.inString = false;
    this.escaped = false;
    const c = text.charCodeAt(i);
    this.bare = c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== QUOTE;
    this.phase = Phase.Element;
    return i;
  }

  /**
   * Scans the current element from i; returns the index just past its end, or -1
   * when the chunk ends first (the state is kept for the next chunk).
   */
  private scanElement(text: string, i: number): number {
    const n = text.length;
    if (this.bare) {
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === CLOSE_BRACKET || c === SPACE || c === LF || c === CR || c === TAB || c === CLOSE_BRACE) {
          return i;
        }
      }
      return -1;
    }
    let depth = this.depth;
    let maxDepth = this.maxDepth;
    let line = this.line;
    let lineStart = this.lineStart;
    let inString = this.inString;
    let escaped = this.escaped;
    let end = -1;
    let backslash = this.backslash;
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        // Jump to the closing quote instead of walking the string, unless a
        // backslash comes first (then the character after it is skipped).
        const q = text.indexOf('"', i);
        if (backslash !== -1 && backslash < i) backslash = text.indexOf('\\', i);
        if (backslash !== -1 && (q === -1 || backslash < q)) {
          escaped = true;
          i = backslash + 1;
          continue;
        }
        if (q === -1) {
          i = n;
          break;
        }
        inString = false;
        i = q + 1;
        if (depth === 0) {
          end = i; // the element was a bare string
          break;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > maxDepth) maxDepth = depth;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) {
          end = i + 1;
          break;
        }
      } else if (c === CR || c === LF) {
        if (c === CR || !this.afterCr(text, i)) line++;
        lineStart = this.chunkOffset + i + 1;
      }
      i++;
    }
    this.depth = depth;
    this.maxDepth = maxDepth;
    this.line = line;
    this.lineStart = lineStart;
    this.inString = inString;
    this.escaped = escaped;
    this.backslash = backslash;
    return end;
  }

  private keep(part: string): void {
    this.parts.push(part);
    this.partsLength += part.length;
    if (this.partsLength > MAX_RECORD_CHARS) {
      throw this.syntaxError(
        this.elementLine,
        this.recordNo,
        `record ${this.recordNo} is longer than ${MAX_RECORD_CHARS} characters (an unclosed bracket or quote?)`,
      );
    }
  }

  private toRecord(text: string): SourceRecord {
    const line = this.elementLine;
    const recordNo = this.recordNo;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw this.invalidRecord(text, error);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return this.rejected(text, line, recordNo, 'not_an_object', `expected a JSON object, got ${describeJsonValue(value)}`);
    }
    if (this.maxDepth > MAX_DEPTH) {
      return this.rejected(text, line, recordNo, 'too_deep', tooDeepMessage(value));
    }
    const data = value as Record<string, unknown>;
    const marked = data[TEXT_MARKER] === true;
    return this.keepSource
      ? { input: this.input, line, recordNo, text: marked, data, source: text }
      : { input: this.input, line, recordNo, text: marked, data };
  }

  /** The 1-based column of the character at i in the current push. */
  private column(i: number): number {
    return this.chunkOffset + i - this.lineStart + 1;
  }

  /**
   * The error for the current element, which JSON.parse rejected: the line and column in
   * the file of its first offending character (columns in UTF-16 code units, as
   * JavaScript and V8 count them).
   */
  private invalidRecord(text: string, error: unknown): BargeError {
    const problem = jsonSyntaxProblem(text, error, { ...ARRAY_ELEMENT, afterValue: `',' or ']' after record ${this.recordNo}` });
    if (problem.offset === undefined) return this.syntaxError(this.elementLine, this.recordNo, jsonSyntaxMessage(problem, undefined));
    // Line breaks before the offset: LF, CRLF and a lone CR count one each.
    let line = this.elementLine;
    let lineStart = -1; // in text; -1: the element's first line
    for (let i = 0; i < problem.offset && i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === CR || c === LF) {
        if (c === CR || i === 0 || text.charCodeAt(i - 1) !== CR) line++;
        lineStart = i + 1;
      }
    }
    const column = lineStart === -1 ? this.elementColumn + problem.offset : problem.offset - lineStart + 1;
    return this.syntaxError(line, this.recordNo, jsonSyntaxMessage(problem, column));
  }

  private rejected(raw: string, line: number, recordNo: number, code: string, message: string): SourceRecord {
    return { input: this.input, line, recordNo, text: false, data: {}, raw, parseError: { code, message } };
  }

  private notAnArray(text: string, i: number): BargeError {
    const c = text[i]!;
    const got =
      c === '{'
        ? 'an object'
        : c === '"'
          ? 'a string'
          : c === '-' || (c >= '0' && c <= '9')
            ? 'a number'
            : c === 't' || c === 'f'
              ? 'a boolean'
              : c === 'n'
                ? 'null'
                : undefined;
    if (got === undefined) {
      return this.syntaxError(this.line, 1, `expected a JSON array of objects at the top level, got ${show(text, i)} at column ${this.column(i)}`);
    }
    // An API's answer holds its records under a key ({"data": [...]}): read as NDJSON, the whole
    // object loaded as one row, exit 0.
    const hint = c === '{'
      ? `; if it holds one object per line, use --format ndjson; if its records are in an array under a key ({"data": [...]}), take them out first, e.g. jq -c '.data[]' ${shellWord(this.input)} | barge import - --format ndjson …`
      : '';
    return new BargeError('input', `${this.input}: expected a JSON array of objects at the top level, got ${got}${hint}`, {
      input: this.input,
    });
  }

  private syntaxError(line: number, recordNo: number, reason: string): BargeError {
    return new BargeError('input', `${this.input}:${line}: invalid JSON near record ${recordNo}: ${reason}`, {
      input: this.input,
      line,
    });
  }
}

const ARRAY_ELEMENT: JsonTextContext = { end: 'the end of the record', afterValue: "',' or ']'" };

/** Up to 10 characters from i, quoted as JSON, with no raw control or invisible character. */
function show(text: string, i: number): string {
  return printable(JSON.stringify(text.slice(i, i + 10)));
}
