import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, workdir } from '../helpers/cli.js';

// A summary's first line named every input: 10,000 files made it 220,039 characters.
describe('the summary of many inputs names the first few', () => {
  it('7 files: the first 4 and "and 3 more" (import and validate); 5 files: all 5; --json has every one', async () => {
    const dir = workdir();
    for (let i = 1; i <= 7; i++) fs.writeFileSync(path.join(dir, `f${i}.csv`), `id\n${i}\n`);
    const seven = Array.from({ length: 7 }, (_, i) => `f${i + 1}.csv`);
    const imported = await barge(dir, ['import', ...seven, '--table', 't', '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.stderr.split('\n')[0]).toBe('barge: import of f1.csv, f2.csv, f3.csv, f4.csv and 3 more into "t": succeeded');
    expect(JSON.parse(imported.stdout).inputs).toEqual(seven);
    const validated = await barge(dir, ['validate', ...seven, '--table', 't']);
    expect(validated.stderr.split('\n')[0]).toBe('barge: validate f1.csv, f2.csv, f3.csv, f4.csv and 3 more against "t" (table schema): every record is valid');
    const five = await barge(dir, ['validate', ...seven.slice(0, 5), '--table', 't']);
    expect(five.stderr.split('\n')[0]).toBe('barge: validate f1.csv, f2.csv, f3.csv, f4.csv, f5.csv against "t" (table schema): every record is valid');
  });
});
