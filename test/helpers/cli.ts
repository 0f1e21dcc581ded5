import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { execa, type Options } from 'execa';
import { tempDir } from './temp-dirs.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/barge.js');

/** A temporary working directory holding a copy of fixtures/, as a user's directory would. */
export function workdir(): string {
  const dir = tempDir('barge-e2e-');
  fs.cpSync(path.join(ROOT, 'fixtures'), path.join(dir, 'fixtures'), { recursive: true });
  return dir;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a real process; never rejects, so tests assert on the exit code. */
export async function barge(cwd: string, args: string[], options: Options = {}): Promise<RunResult> {
  const env = { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1', ...(options.env ?? {}) };
  const stdin = options.input === undefined && options.inputFile === undefined && options.stdin === undefined ? { stdin: 'ignore' as const } : {};
  const result = await execa('node', [BIN, ...args], { cwd, reject: false, ...stdin, ...options, env });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A database at dir/file made by `sql`, as another tool (an ORM's migration, the sqlite3 shell) would make it. */
export function makeDb(dir: string, file: string, sql: string): string {
  const at = path.join(dir, file);
  const db = new Database(at);
  db.exec(sql);
  db.close();
  return at;
}

export function openDb(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

export function rows<T = Record<string, unknown>>(file: string, sql: string, ...params: unknown[]): T[] {
  const db = openDb(file);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function readNdjson(file: string): Array<Record<string, any>> {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
}

/** Imports makers (products reference them) into dir/barge.db. */
export async function importMakers(dir: string, db = 'barge.db'): Promise<void> {
  const result = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', db]);
  if (result.exitCode !== 0) throw new Error(`importing makers failed: ${result.stderr}`);
}
