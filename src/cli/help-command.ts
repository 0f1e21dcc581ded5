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
 * error (exit 2) instead of the help asked for. A `-h` that is an option's value (`--job-id -h`)
 * or comes after `--` (an input's name) is not --help; an unknown command word (`barge nope
 * --help`) is left for commander, as before.
 */
export function helpFirstArgv(program: Command, argv: readonly string[]): string[] {
  const [node = '', script = '', ...args] = argv;
  let command = program;
  const path: string[] = [];
  let at = 0;
  for (; at < args.length; at++) {
    const next = command.commands.find((c) => c.name() === args[at]);
    if (next === undefined) break;
    command = next;
    path.push(args[at]!);
  }
  // Options that take a value, of the command and of those above it (--version has none).
  const takesValue = new Set<string>();
  for (let c: Command | null = command; c !== null; c = c.parent) {
    for (const option of c.options) if (option.required || option.optional) for (const flag of [option.long, option.short]) if (flag !== undefined) takesValue.add(flag);
  }
  let help = false;
  for (let i = at; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    if (arg === '--help' || arg === '-h') {
      help = true;
      break;
    }
    if (takesValue.has(arg)) i++;
  }
  if (!help) return [...argv];
  // An unknown command word before the flag (`barge nope --help`): commander's to answer.
  if (command.commands.length > 0 && args[at] !== undefined && !args[at]!.startsWith('-')) return [...argv];
  return [node, script, ...path, '--help'];
}
