import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openReadable } from '../../src/source/open-input.js';
import { readRecords } from '../../src/source/read-records.js';
import type { SourceOptions, SourceRecord } from '../../src/source/types.js';

/**
 * csv-spectrum (a devDependency): small CSV files with the JSON they should parse to.
 * Each file goes through barge's whole CSV source (decoding, tokenizer, header), whole
 * and split into chunks at every byte.
 */
const spectrum = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
const names = readdirSync(join(spectrum, 'csvs'))
  .filter((file) => file.endsWith('.csv'))
  .map((file) => basename(file, '.csv'))
  .sort();

const defaults: SourceOptions = { header: true, encoding: 'utf8' };

/**
 * location_coordinates.csv has bare quotes inside unquoted fields (`37°36'37.8"N`), which
 * make barge's CSV reject the record (a stray quote, as csv-parse refuses it by default;
 * tested below); with quoting off (`--quote ''`) it reads them literally, as csv-spectrum expects.
 */
const optionsFor = (name: string): SourceOptions =>
  name === 'location_coordinates' ? { ...defaults, quote: '' } : defaults;

/** Parses csv-spectrum's `name`.csv given as `chunks`. */
async function parse(chunks: Buffer[], name: string): Promise<SourceRecord[]> {
  const options = optionsFor(name);
  const file = `${name}.csv`;
  const input = await openReadable(Readable.from(chunks), { name: file, path: file }, options);
  const records: SourceRecord[] = [];
  for await (const batch of readRecords(input, options)) records.push(...batch);
  return records;
}

function expected(name: string): Record<string, string>[] {
  const json = JSON.parse(readFileSync(join(spectrum, 'json', `${name}.json`), 'utf8')) as unknown;
  const rows = (Array.isArray(json) ? json : [json]) as Record<string, string>[];
  if (name === 'location_coordinates') {
    // csv-spectrum's own slip: its JSON has "1234567890" where the CSV has 2095257564.
    return rows.map((row) => ({ ...row, 'Contact Phone Number': '2095257564' }));
  }
  return rows;
}

describe('csv-spectrum', () => {
  it('has its files', () => {
    expect(names).toEqual(
      expect.arrayContaining(['comma_in_quotes', 'escaped_quotes', 'newlines_crlf', 'quotes_and_newlines', 'utf8']),
    );
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of names) {
    it(`parses ${name}.csv to its JSON`, async () => {
      const bytes = readFileSync(join(spectrum, 'csvs', `${name}.csv`));
      const want = expected(name);
      const records = await parse([bytes], name);
      expect(records.map((r) => r.data)).toEqual(want);
      expect(records.every((r) => r.parseError === undefined)).toBe(true);
      expect(records.map((r) => r.recordNo)).toEqual(want.map((_, i) => i + 1));
      for (let cut = 1; cut < bytes.length; cut++) {
        const split = await parse([bytes.subarray(0, cut), bytes.subarray(cut)], name);
        expect(split, `cut at ${cut}`).toEqual(records);
      }
    });
  }

  it('rejects the record with the bare quotes of location_coordinates.csv when quoting is on, kept as read', async () => {
    const bytes = readFileSync(join(spectrum, 'csvs', 'location_coordinates.csv'));
    const input = await openReadable(Readable.from([bytes]), { name: 'loc.csv', path: 'loc.csv' }, defaults);
    const records: SourceRecord[] = [];
    for await (const batch of readRecords(input, defaults)) records.push(...batch);
    expect(records.map((r) => [r.line, r.recordNo, r.raw, r.parseError])).toEqual([
      [2, 1, '2095257564,37\ufffd36\'37.8"N 121\ufffd2\'17.9"W,Modesto,Stanislaus',
        { code: 'stray_quote', message: 'a quote inside an unquoted field: quote the whole field and double the quotes ("37\ufffd36\'37.8""N 121\ufffd2\'17.9""W")', column: 'Location Coordinates' }],
    ]);
  });

  it('gives the start line of each record', async () => {
    const lines = async (name: string) =>
      (await parse([readFileSync(join(spectrum, 'csvs', `${name}.csv`))], name)).map((r) => r.line);
    expect(await lines('newlines')).toEqual([2, 3, 5]);
    expect(await lines('newlines_crlf')).toEqual([2, 3, 5]);
    expect(await lines('quotes_and_newlines')).toEqual([2, 5]);
    expect(await lines('empty_crlf')).toEqual([2, 3]);
  });
});
