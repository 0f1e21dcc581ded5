import { CsvTokenizer } from './csv-tokenizer.js';
import { MAX_TSV_QUOTED_FIELD_CHARS } from './limits.js';

/**
 * How one CSV/TSV input was read, shared by its records (SourceRecord.csv): the field names,
 * and enough to read a record's text as read (`source`, with keepSource: the validation
 * worker keeps records by their text, pipeline/packed-records.ts) into the same data again.
 */
export interface CsvDialect {
  delimiter: string;
  quote: string;
  relaxQuotes: boolean;
  /** The field names, in the input's order. */
  names: readonly string[];
  /** --null: a field that is exactly this text is read as an empty one (missing). */
  nullText?: string;
}

/**
 * A record's data from its text as read (CsvRecordSink's `raw`: no line break, not starting
 * with a BOM), through the same tokenizer: the fields the input's own read gave, by name.
 */
export function dataOfRecordText(raw: string, dialect: CsvDialect): Record<string, string> {
  const tokenizer = new CsvTokenizer({
    delimiter: dialect.delimiter,
    quote: dialect.quote,
    relaxQuotes: dialect.relaxQuotes,
    maxRecordChars: raw.length + 1,
    // As parse-csv.ts read it: a longer quoted TSV field was read as text there.
    relaxedQuoteChars: MAX_TSV_QUOTED_FIELD_CHARS,
  });
  let fields: string[] | undefined;
  const sink = (found: string[]) => {
    if (fields !== undefined) throw new Error('a kept CSV record text holds more than one record');
    fields = found;
  };
  tokenizer.push(raw, sink);
  tokenizer.end(sink);
  const { names } = dialect;
  if (fields === undefined || fields.length !== names.length) {
    throw new Error(`a kept CSV record text gives ${fields?.length ?? 0} fields, not ${names.length}`);
  }
  if (dialect.nullText !== undefined) blankNullFields(fields, dialect.nullText);
  const data: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) data[names[i]!] = fields[i]!;
  return data;
}

/** --null: a field that is exactly the null text is read as an empty one, which is missing. */
export function blankNullFields(fields: string[], nullText: string): void {
  for (let i = 0; i < fields.length; i++) if (fields[i] === nullText) fields[i] = '';
}
