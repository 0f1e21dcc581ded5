import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

// One "N/A" among 200 integers made the inferred column TEXT (the numbers stored as text), with
// no word of --null, which makes it the integer column the other values are.

function naCsv(dir: string): void {
  const lines = ['id,qty,price,flag,note'];
  for (let i = 1; i <= 200; i++) lines.push(`${i},${i},1.5,true,x${i}`);
  lines.push('201,N/A,-,?,N/A', '202,3,2.5,false,y');
  fs.writeFileSync(path.join(dir, 'na.csv'), `${lines.join('\n')}\n`);
}

const NOTES = [
  'column "qty" was inferred as text because of "N/A" (na.csv:202), its other values being integers; if "N/A" means no value, pass --null N/A',
  'column "price" was inferred as text because of "-" (na.csv:202), its other values being numbers; if "-" means no value, pass --null=-',
  'column "flag" was inferred as text because of "?" (na.csv:202), its other values being booleans; if "?" means no value, pass --null \'?\'',
];

describe('a word for "no value" that makes an inferred column text', () => {
  it('import, validate and schema infer say which, where, and the --null that reads it as none', async () => {
    const dir = workdir();
    naCsv(dir);
    const load = await barge(dir, ['import', 'na.csv', '--json']);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout).warnings).toEqual(NOTES);
    expect(load.stderr.split('\n').slice(0, 3)).toEqual(NOTES.map((note) => `barge: ${note}`));
    const types = rows<{ name: string; type: string }>(path.join(dir, 'barge.db'), "SELECT name, type FROM pragma_table_info('na')");
    expect(types.map((column) => column.type)).toEqual(['INTEGER', 'TEXT', 'TEXT', 'TEXT', 'TEXT']);

    const checked = await barge(dir, ['validate', 'na.csv', '--db', 'none.db', '--json']);
    expect(checked.exitCode, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout).warnings).toEqual(NOTES);
    const inferred = await barge(dir, ['schema', 'infer', 'na.csv']);
    expect(inferred.stderr).toBe(NOTES.map((note) => `barge: ${note}`).join('\n'));
  });

  it('the --null it names makes the column its other values\' type, and the note goes', async () => {
    const dir = workdir();
    naCsv(dir);
    const load = await barge(dir, ['import', 'na.csv', '--null=-', '--json']);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout).warnings).toEqual([NOTES[0], NOTES[2]]);
    expect(rows(path.join(dir, 'barge.db'), "SELECT name, type FROM pragma_table_info('na') WHERE name = 'price'")).toEqual([{ name: 'price', type: 'REAL' }]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT price FROM na WHERE id = 201')).toEqual([{ price: null }]);
  });

  it('no note for a column holding two such words ("N/A" and "-"): the --null of one leaves it text', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'two.csv'), 'id,qty\n1,10\n2,N/A\n3,-\n4,30\n');
    const load = await barge(dir, ['import', 'two.csv', '--null', 'N/A', '--json']);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout).warnings).toEqual(['column "qty" was inferred as text because of "-" (two.csv:4), its other values being integers; if "-" means no value, pass --null=-']);
    const inferred = await barge(dir, ['schema', 'infer', 'two.csv']);
    expect(inferred.exitCode, inferred.stderr).toBe(0);
    expect(inferred.stderr).toBe('');
  });

  it('no note for a text column (a word among words), nor for a column of the word alone', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'words.csv'), 'id,code,gone\n1,ab,N/A\n2,N/A,N/A\n3,cd,N/A\n');
    const load = await barge(dir, ['import', 'words.csv', '--json']);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout).warnings).toEqual([]);
  });
});
