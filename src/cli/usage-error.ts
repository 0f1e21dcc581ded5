import fs from 'node:fs';
import type { Command, Option } from 'commander';
import { oneLine } from '../one-line.js';
import { shellWord } from '../shell-word.js';
import { wordList } from '../word-list.js';

/**
 * commander's usage errors as barge's one-line messages: `barge: error: <what>; <how to fix>`,
 * worded as barge's own (`--batch-size must be an integer from 1 to 1000000, got "0"`) rather
 * than commander's (`option '--mode <mode>' argument 'foo' is invalid. Allowed choices are …`).
 * commander gives only the text to its output hook, so its messages (commander 14's wording,
 * pinned by package-lock) are recognised here; one not recognised keeps commander's words.
 */
export function usageLine(text: string, command: Command, argv: readonly string[]): string {
  // The text is commander's message, then maybe its suggestion on a line of its own; a value
  // quoted in the message may hold a newline of its own (escaped below, as every message's).
  const trimmed = text.trim();
  const suggested = /\n\(Did you mean (.*)\?\)$/.exec(trimmed);
  const what = (suggested ? trimmed.slice(0, suggested.index) : trimmed).replace(/^error: /, '').replace(/\.$/, '');
  const { what: said, fix } = reword(what, command, argv)
    ?? { what, fix: suggested ? `did you mean ${suggested[1]}?` : `see ${commandPath(command)} --help` };
  return `barge: error: ${oneLine(said)}${fix === undefined ? '' : `; ${oneLine(fix)}`}\n`;
}

interface Reworded {
  what: string;
  fix?: string;
}

function reword(what: string, command: Command, argv: readonly string[]): Reworded | undefined {
  const help = `see ${commandPath(command)} --help`;
  const name = commandPath(command).replace(/^barge /, '');

  // `--mode foo`: the choices are the fix.
  const invalid = /^option '(.+?)' argument '(.*)' is invalid\. Allowed choices are (.*)$/s.exec(what);
  if (invalid) return { what: `${longName(invalid[1]!)} must be ${wordList(invalid[3]!.split(', '), 'or')}, got ${JSON.stringify(invalid[2])}` };

  // `--batch-size` last, with no value after it.
  const noValue = /^option '(.+?)' argument missing$/.exec(what);
  if (noValue) return { what: `${longName(noValue[1]!)} needs a value: ${noValue[1]}`, fix: help };

  // `barge validate` with no input: said as import says it.
  const missing = /^missing required argument '(.+)'$/.exec(what);
  if (missing) {
    const argument = command.registeredArguments.find((a) => a.name() === missing[1]);
    const needs = missing[1] === 'input'
      ? `${argument?.variadic ? 'at least one input file' : 'an input file'} (or - for stdin)`
      : `<${missing[1]}>`;
    return { what: `${name} needs ${needs}`, fix: help };
  }

  // `barge stats products`: what was given, by name.
  if (/^too many arguments/.test(what)) {
    const expected = command.registeredArguments;
    const given = command.args.map((arg) => JSON.stringify(arg)).join(', ');
    if (expected.length === 0) return { what: `${name} takes no arguments, got ${given}`, fix: help };
    const names = expected.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
    const count = expected.length === 1 ? 'one argument' : `${expected.length} arguments`;
    return { what: `${name} takes ${count} (${names}), got ${command.args.length}: ${given}`, fix: help };
  }

  // `barge --db x.db stats`: an option of the command, put before its name.
  const unknown = /^unknown option '(.+?)'/.exec(what);
  if (unknown && command.parent === null) return optionBeforeCommand(unknown[1]!, command, argv);
  // `barge import -x.csv`: a file whose name starts with "-" is read as an option.
  if (unknown && command.registeredArguments.length > 0 && fs.existsSync(unknown[1]!)) {
    // The whole line, the file moved after `--` (the advice dropped every other argument).
    const path = commandPath(command).split(' ').slice(1);
    const args = argv.slice(2);
    const after = args.findIndex((arg, i) => path.every((name, j) => args[i + j] === name)) + path.length;
    const rest = args.slice(after).filter((arg) => arg !== unknown[1]).map(shellWord);
    const line = [commandPath(command), ...rest].join(' ');
    return { what: `unknown option '${unknown[1]}'`, fix: `a file whose name starts with "-" goes after --: ${line} -- ${shellWord(unknown[1]!)} (or ./${shellWord(unknown[1]!)})` };
  }
  return undefined;
}

/**
 * barge's options go after the command's name (commander reads `barge --db x stats` as an
 * option of barge itself, which has none): the message gives the command line reordered.
 */
function optionBeforeCommand(token: string, program: Command, argv: readonly string[]): Reworded | undefined {
  const flag = token.replace(/=.*$/s, '');
  const args = argv.slice(2);
  const at = args.findIndex((arg) => program.commands.some((c) => c.name() === arg));
  if (at === -1) {
    // No command at all: say where such an option goes, if a command takes it.
    if (!leaves(program).some((c) => hasOption(c, flag))) return undefined;
    return { what: `put ${flag} after a command's name: barge <command> ${args.map(shellWord).join(' ')}`, fix: 'see barge --help' };
  }
  // The command's path: `schema infer`, a subcommand's name after its parent's.
  let leaf = program.commands.find((c) => c.name() === args[at])!;
  let end = at + 1;
  for (;;) {
    const next = leaf.commands.find((c) => c.name() === args[end]);
    if (next === undefined) break;
    leaf = next;
    end++;
  }
  if (!hasOption(leaf, flag)) return undefined;
  const line = ['barge', ...args.slice(at, end), ...[...args.slice(0, at), ...args.slice(end)].map(shellWord)].join(' ');
  return { what: `put ${flag} after the command name: ${line}` };
}

function hasOption(command: Command, flag: string): boolean {
  return command.options.some((option: Option) => option.long === flag || option.short === flag || option.long === flag.replace(/^--no-/, '--'));
}

/** The commands that run something: `schema`'s `infer` rather than `schema`. */
function leaves(command: Command): Command[] {
  return command.commands.flatMap((c) => (c.commands.length > 0 ? leaves(c) : [c]));
}

/** `barge schema infer` */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** `--mode <mode>` -> `--mode`. */
function longName(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flags;
}
