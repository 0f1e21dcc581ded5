import type { Command } from 'commander';
import { BargeError } from '../errors.js';
import { commandPath } from './usage-error.js';

/**
 * `barge help <command…>` as `barge <command…> --help`, before commander parses it. commander's
 * own help command reads one word only (`barge help schema infer` showed schema's help, not
 * infer's) and answers an unknown one with the whole help on stderr and no error line; barge
 * answers it as `barge nope` is answered: `unknown command 'nope'`, with its suggestion.
 * The same for `barge schema help infer`.
 */
export function helpArgv(program: Command, argv: readonly string[]): string[] {
  const [node = '', script = '', ...args] = argv;
  // The help command's place: first, or after a command that has commands of its own (schema).
  let parent = program;
  let at = 0;
  while (args[at] !== undefined && args[at] !== 'help') {
    const next = parent.commands.find((c) => c.name() === args[at]);
    if (next === undefined || next.commands.length === 0) return [...argv];
    parent = next;
    at++;
  }
  if (args[at] !== 'help') return [...argv];
  const before = args.slice(0, at);
  // Options given with it (--json) are kept; the words name the command.
  const words = args.slice(at + 1).filter((arg) => !arg.startsWith('-'));
  const options = args.slice(at + 1).filter((arg) => arg.startsWith('-'));
  let command = parent;
  const path: string[] = [];
  for (const word of words) {
    const next = command.commands.find((c) => c.name() === word);
    // An unknown name: parsed as a command, commander says `unknown command 'nope'` (and its
    // suggestion) as for `barge nope`.
    if (next === undefined && command.commands.length > 0) return [node, script, ...before, ...path, word, ...options];
    if (next === undefined) {
      throw new BargeError('usage', `unknown command '${commandPath(command).replace(/^barge /, '')} ${word}': ${commandPath(command)} has no commands; see ${commandPath(command)} --help`);
    }
    command = next;
    path.push(word);
  }
  return [node, script, ...before, ...path, ...options, '--help'];
}

/**
 * `barge import --help --mode foo` as `barge import --help`: commander checks an option's
 * choices as it parses, before it looks for --help, so a bad value beside --help printed its
 * error (exit 2) instead of the help asked for. Arguments after `--` are inputs, not flags; an
 * unknown command word (`barge nope --help`) is left for commander to name.
 */
export function helpFirstArgv(program: Command, argv: readonly string[]): string[] {
  const [node = '', script = '', ...args] = argv;
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  if (!flags.includes('--help') && !flags.includes('-h')) return [...argv];
  let command = program;
  const path: string[] = [];
  for (const arg of flags) {
    const next = command.commands.find((c) => c.name() === arg);
    if (next === undefined) {
      if (command.commands.length > 0 && !arg.startsWith('-')) return [...argv];
      break;
    }
    command = next;
    path.push(arg);
  }
  return [node, script, ...path, '--help'];
}
