import { shellWord } from '../shell-word.js';
import { BargeError } from '../errors.js';
import { textChunks, withLine } from './decode-text.js';
import { jsonSyntaxMessage, jsonSyntaxProblem, type JsonTextContext } from './json-syntax-error.js';
import { describeJsonValue, mayBeTooDeep, nestsDeeperThan, TEXT_MARKER, tooDeepMessage } from './json-values.js';
import { MAX_RECORD_CHARS, RECORDS_PER_BATCH } from './limits.js';
import type { OpenedInput, SourceOptions, SourceRecord } from './types.js';

/**
 * Parses NDJSON (JSON Lines): one JSON object per line, one array of records per
 * chunk of input.
 *
 * Lines are split here rather than with the `ndjson` package: its parser either
 * throws on the first bad line (strict) or silently drops it, and never says which
 * line a value came from. Here a bad line is a rejected record with its line number,
 * and the rest of the input still loads. Blank lines are skipped but counted.
 */
export async function* parseNdjson(input: OpenedInput, options: SourceOptions): AsyncGenerator<SourceRecord[]> {
  const name = input.name;
  let pending = '';
  /** Lines completed so far; the line being read is `line + 1`. */
  let line = 0;
  let recordNo = 0;
  const keepSource = options.keepSource === true;

  const toRecord = (text: string, at: number): SourceRecord | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (text.trim() === '') return undefined;
      return rejected(text, at, ++recordNo, 'invalid_json', `not valid JSON: ${invalidJsonReason(text, error)}${at === 1 ? prettyJsonHint(text, name) : ''}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return rejected(text, at, ++recordNo, 'not_an_object', `expected a JSON object, got ${describeJsonValue(value)}`);
    }
    // On the text, as the JSON array reader counts it: a deep value a duplicate key drops counts too.
    if (mayBeTooDeep(text) && nestsDeeperThan(text)) {
      return rejected(text, at, ++recordNo, 'too_deep', tooDeepMessage(value));
    }
    const data = value as Record<string, unknown>;
    const marked = data[TEXT_MARKER] === true;
    return keepSource
      ? { input: name, line: at, recordNo: ++recordNo, text: marked, data, source: text }
      : { input: name, line: at, recordNo: ++recordNo, text: marked, data };
  };

  const lineTooLong = (at: number) =>
    new BargeError('input', `${name}:${at}: a line longer than ${MAX_RECORD_CHARS} characters; is this really NDJSON (one object per line)?`, { input: name, line: at });

  const rejected = (raw: string, at: number, no: number, code: string, message: string): SourceRecord => ({
    input: name,
    line: at,
    recordNo: no,
    text: false,
    data: {},
    raw,
    parseError: { code, message },
  });

  try {
    for await (const text of textChunks(input, options.encoding)) {
      // `pending` (the line read so far) holds no line break: a chunk without one only adds
      // to it, and the search starts after it. Joining and scanning it again for every 64 KB
      // read made a long line quadratic: one 12 MB line took 1.5 s, 16 of them 21.5 s.
      if (pending.length > 0 && text.indexOf('\n') === -1) {
        pending += text;
        if (pending.length > MAX_RECORD_CHARS) throw lineTooLong(line + 1);
        continue;
      }
      const scanFrom = pending.length;
      const chunk = pending.length === 0 ? text : pending + text;
      let batch: SourceRecord[] = [];
      let start = 0;
      for (let nl = chunk.indexOf('\n', scanFrom); nl !== -1; nl = chunk.indexOf('\n', start)) {
        line++;
        const end = nl > start && chunk.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
        if (end > start) {
          const record = toRecord(chunk.slice(start, end), line);
          if (record !== undefined) batch.push(record);
        }
        start = nl + 1;
        // Short lines go on RECORDS_PER_BATCH at a time, not a whole read's worth (limits.ts).
        if (batch.length === RECORDS_PER_BATCH) {
          yield batch;
          batch = [];
        }
      }
      pending = start === 0 ? chunk : chunk.slice(start);
      if (pending.length > MAX_RECORD_CHARS) throw lineTooLong(line + 1);
      if (batch.length > 0) yield batch;
    }
    // The last line need not end with a newline.
    if (pending.length > 0) {
      line++;
      const end = pending.charCodeAt(pending.length - 1) === 0x0d ? pending.length - 1 : pending.length;
      const record = toRecord(pending.slice(0, end), line);
      pending = '';
      if (record !== undefined) yield [record];
    }
    options.onEnd?.(line + 1);
  } catch (error) {
    throw withLine(error, line + 1);
  }
}

/**
 * A first line of just `{` or `[` is JSON written over many lines (`jq .`, `json.dump(indent=2)`),
 * not NDJSON: said so with the way to read it, beside line 1's "expected a property name".
 */
function prettyJsonHint(text: string, name: string): string {
  const first = text.trim();
  if (first === '[') return '; the input looks like a JSON array written over many lines: pass --format json';
  if (first !== '{') return '';
  const file = name === 'stdin' ? '' : ` ${shellWord(name)}`;
  return `; the input looks like JSON objects written over many lines: put one per line first, e.g. jq -c .${file} | barge import - --format ndjson …`;
}

const NDJSON_LINE: JsonTextContext = {
  end: 'the end of the line',
  afterValue: 'the end of the line',
  afterValueHint: 'NDJSON holds one object per line',
};

/**
 * Why a line is not JSON, and where: `expected ..., got ... at column n; hint`. Only
 * called once JSON.parse has failed, so valid lines pay nothing for it. The column
 * counts from the line's first character (in UTF-16 code units, as JavaScript and V8 count them).
 */
function invalidJsonReason(text: string, error: unknown): string {
  const problem = jsonSyntaxProblem(text, error, NDJSON_LINE);
  return jsonSyntaxMessage(problem, problem.offset === undefined ? undefined : problem.offset + 1);
}
