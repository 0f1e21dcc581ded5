import { EXIT } from '../../errors.js';
import { Command } from 'commander';
import { addBusyTimeout, addCommonOptions, integerFlag, valueOption, type CommonOptions } from '../options.js';
import type { CommandOutcome } from '../outcome.js';
import { throwIfInterrupted } from '../signals.js';

interface StatsFlags extends CommonOptions {
  table?: string;
  busyTimeout: string;
}

export function statsCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const command = new Command('stats')
    .description('tables with row counts, columns and size on disk; the job history summary and the last 10 jobs')
    .addOption(valueOption('--table <name>', 'only this table, and only the jobs that loaded it', 'every table'));
  addBusyTimeout(command);
  addCommonOptions(command, { showsProgress: false });
  return command.action((flags: StatsFlags) => run(statsAction(flags)));
}

const INTERRUPTED = 'stats interrupted; nothing was printed';

async function statsAction(flags: StatsFlags): Promise<CommandOutcome> {
  const busyTimeoutMs = integerFlag('--busy-timeout', flags.busyTimeout, 0, 3_600_000)!;
  // Loaded here, not at the top: every command's start would otherwise load better-sqlite3 and,
  // through the kept schemas, zod (~40 ms of `barge --version`).
  const [{ openForReadingPatiently }, { collectStats }, { statsJson, statsReport }, { asDatabaseError }] = await Promise.all([
    import('../../store/open-for-reading-patiently.js'),
    import('../../store/stats.js'),
    import('../render/stats-report.js'),
    import('../../store/sqlite-errors.js'),
  ]);
  throwIfInterrupted();
  const db = await openForReadingPatiently(flags.db, busyTimeoutMs, () => throwIfInterrupted(INTERRUPTED));
  try {
    let stats: ReturnType<typeof collectStats>;
    try {
      stats = collectStats(db, { table: flags.table, dbName: flags.db });
    } catch (error) {
      // SQLite's failures named with the database (a damaged one was an "unexpected failure").
      throw asDatabaseError(error, flags.db);
    }
    // Its queries are synchronous: a signal meanwhile is seen now, and wins over the output.
    throwIfInterrupted(INTERRUPTED);
    // stats' report is its data: stdout, as text or as --json.
    process.stdout.write(flags.json ? JSON.stringify(statsJson(stats, flags.db, flags.table)) + '\n' : statsReport(stats, flags.db, flags.table));
  } finally {
    db.close();
  }
  return { exitCode: EXIT.accepted };
}
