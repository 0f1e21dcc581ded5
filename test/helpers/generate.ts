import fs from 'node:fs';

/** Writes n simple CSV records (id,name,qty) for tests that need volume: ids 1..n. */
export function writeNumberedCsv(file: string, n: number, start = 1): void {
  const lines = ['id,name,qty'];
  for (let i = start; i < start + n; i++) lines.push(`${i},item ${i},${i % 1000}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * 2500 good id,name,qty records, then one whose quote never closes (line 2502): a malformed
 * input found midway, after two batches of 1000 have committed in row mode.
 */
export function writeCsvBrokenMidway(file: string): void {
  const lines = ['id,name,qty'];
  for (let id = 1; id <= 2500; id++) lines.push(`${id},n${id},1`);
  lines.push('2501,"never closed,1', '2502,n,1');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/** A schema with no primary key, so a record loaded twice would show as a duplicate row. */
export const NUMBERED_SCHEMA = {
  table: 'numbered',
  columns: {
    id: { type: 'integer', required: true },
    name: { type: 'string', required: true },
    qty: { type: 'integer', min: 0 },
  },
};
