import { groupDigits } from '../../group-digits.js';
import { oneLine } from '../../one-line.js';
import { displayWidth } from './display-width.js';

/**
 * Aligned columns for the human output of stats and jobs: text left-aligned,
 * numbers right-aligned, two spaces between columns, no trailing spaces; widths
 * in terminal columns (display-width.ts), not code units.
 */
export interface TextColumn {
  header: string;
  align?: 'left' | 'right';
}

export function textTable(columns: TextColumn[], given: string[][], indent = ''): string {
  // A cell (a table name, a job id) holding a newline would break its row: escaped, one line each.
  const rows = given.map((row) => row.map(oneLine));
  // A loop, not Math.max(...rows): one argument a row overflowed the stack at ~125,000 rows
  // (barge jobs --limit 1000000 of a long history: "Maximum call stack size exceeded", exit 3).
  const widths = columns.map((column) => displayWidth(column.header));
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, displayWidth(row[i] ?? ''));
  }
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i]! - displayWidth(cell));
        return columns[i]!.align === 'right' ? pad + cell : i === cells.length - 1 ? cell : cell + pad;
      })
      .join('  ');
  return [line(columns.map((column) => column.header)), ...rows.map(line)].join('\n') + '\n';
}

export function formatCount(value: number): string {
  return groupDigits(value);
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

/** An ISO timestamp as "2024-05-01 12:00:03" (UTC, as stored). */
export function formatTime(iso: string | null): string {
  if (iso === null) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}
