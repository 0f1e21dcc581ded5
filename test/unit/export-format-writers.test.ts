import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { formatOfPath, type ExportFormat } from '../../src/export/export-format.js';
import { createFormatWriter } from '../../src/export/format-writers.js';
import type { ResultColumn } from '../../src/export/typed-values.js';
import { openReadable } from '../../src/source/open-input.js';
import { readRecords } from '../../src/source/read-records.js';
import type { SourceOptions } from '../../src/source/types.js';

const AWKWARD = [
  'plain', '', ' spaced ', 'a,b', 'say "hi"', '"', 'line\nbreak', 'cr\rlf\r\n', 'tab\there', 'ünïcødé — ✓', "it's", '#x', '=1+1', '""',
];

function write(format: ExportFormat, columns: ResultColumn[], rows: unknown[][]): string {
  const writer = createFormatWriter(format, columns);
  return writer.start() + rows.map((row) => writer.row(row)).join('') + writer.end(rows.length);
}

describe('CSV and TSV writers', () => {
  const columns: ResultColumn[] = [{ name: 'a', type: 'string' }, { name: 'b, "quoted"', type: 'string' }];

  const rows = AWKWARD.map((text, i) => [text, AWKWARD[AWKWARD.length - 1 - i]!]);

  it('csv: the same bytes as csv-stringify for awkward text', () => {
    const theirs = stringify([columns.map((c) => c.name), ...rows], { delimiter: ',', eof: true, record_delimiter: '\n' });
    expect(write('csv', columns, rows)).toBe(theirs);
  });

  it('tsv: quoted only for a tab, CR or LF, or a quote first (a quote elsewhere is a TSV reader\'s literal); read back the same', async () => {
    const field = (text: string) => (/^"|[\t\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
    const ours = write('tsv', columns, rows);
    expect(ours).toBe([columns.map((c) => c.name), ...rows].map((row) => row.map(field).join('\t') + '\n').join(''));
    expect(ours).toContain('\tsay "hi"\n');
    const options: SourceOptions = { header: true, encoding: 'utf8', format: 'tsv', quote: '"' };
    const input = await openReadable(Readable.from([Buffer.from(ours)]), { name: 'x.tsv', path: 'x.tsv' }, options);
    const back: unknown[][] = [];
    for await (const batch of readRecords(input, options)) for (const record of batch) back.push(columns.map((c) => record.data[c.name]));
    expect(back).toEqual(rows);
  });

  it('types: booleans, json text, numbers, big integers, NULL, blobs', () => {
    const typed: ResultColumn[] = [
      { name: 'b', type: 'boolean' }, { name: 'j', type: 'json' }, { name: 'n', type: 'number' },
      { name: 'i', type: 'integer' }, { name: 'x', type: undefined }, { name: 'blob', type: undefined },
    ];
    expect(write('csv', typed, [
      [1n, '{"a":[1,"x"]}', 0.1, 9007199254740993n, null, Buffer.from([0, 255])],
      [0n, null, -3, -1n, 'text', null],
      [null, '[]', 1e21, 0n, 2.5, null],
    ])).toBe(
      'b,j,n,i,x,blob\n' +
      'true,"{""a"":[1,""x""]}",0.1,9007199254740993,,00ff\n' +
      'false,,-3,-1,text,\n' +
      ',[],1e+21,0,2.5,\n',
    );
  });

  it('one column: an empty field is written "" so it is not a blank line', () => {
    expect(write('csv', [{ name: 'v', type: 'string' }], [['x'], [null], ['']])).toBe('v\nx\n""\n""\n');
  });
});

describe('NDJSON and JSON writers', () => {
  const columns: ResultColumn[] = [
    { name: 'id', type: 'integer' }, { name: 'on', type: 'boolean' }, { name: 'tags', type: 'json' }, { name: 'note', type: 'string' },
  ];
  const rows = [
    [1n, 1n, '["a", "b"]', 'x\ny "q"'],
    [9007199254740993n, 0n, 'not json', null],
    [-2n, null, '{"deep": {"n": 1}}', ''],
  ];

  it('ndjson: one object a line, typed', () => {
    const lines = write('ndjson', columns, rows).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => JSON.parse(line))).toEqual([
      { id: 1, on: true, tags: ['a', 'b'], note: 'x\ny "q"' },
      { id: '9007199254740993', on: false, tags: 'not json', note: null },
      { id: -2, on: null, tags: { deep: { n: 1 } }, note: '' },
    ]);
  });

  it('json: "[\\n" + rows joined with ",\\n" + "\\n]\\n"', () => {
    const text = write('json', columns, rows);
    expect(text.startsWith('[\n{"id":1,')).toBe(true);
    expect(text.split('\n')).toHaveLength(6);
    expect(JSON.parse(text)).toHaveLength(3);
    expect(write('json', columns, [])).toBe('[\n]\n');
  });
});

describe('formatOfPath', () => {
  it('reads the extension after .gz', () => {
    expect(formatOfPath('out/x.CSV')).toEqual({ format: 'csv', gzip: false });
    expect(formatOfPath('x.jsonl.gz')).toEqual({ format: 'ndjson', gzip: true });
    expect(formatOfPath('x.json')).toEqual({ format: 'json', gzip: false });
    expect(formatOfPath('x.txt')).toEqual({ format: undefined, gzip: false });
    expect(formatOfPath('x.gz')).toEqual({ format: undefined, gzip: true });
  });
});
