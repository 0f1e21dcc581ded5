/** What a command hands back to main: the exit code (SPEC §10). */
export interface CommandOutcome {
  exitCode: number;
}
