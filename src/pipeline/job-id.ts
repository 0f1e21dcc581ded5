import { randomBytes } from 'node:crypto';

/** A job id that sorts by start time and is unique across concurrent processes: `20261123-141055-3fa9c2`. */
export function newJobId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
