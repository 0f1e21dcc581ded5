import fs from 'node:fs';
import type { Command, Option } from 'commander';
import { oneLine } from '../one-line.js';
import { shellWord } from '../shell-word.js';
import { wordList } from '../word-list.js';
import { looksLikeInput, otherToolsCommand, otherToolsOption } from './other-tools-spellings.js';

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
    if (expected.length === 0) return { what: `${name} takes no arguments, got ${given}`, fix: tableArgument(command, argv) ?? help };
    const names = expected.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' ');
    const count = expected.length === 1 ? 'one argument' : `${expected.length} arguments`;
    return { what: `${name} takes ${count} (${names}), got ${command.args.length}: ${given}`, fix: help };
  }

  // `barge load x.csv`, `barge data.csv`, `barge schema data.csv`: another tool's word, or a file.
  const unknownCommand = /^unknown command '(.+?)'$/s.exec(what);
  if (unknownCommand) return otherCommand(unknownCommand[1]!, command, argv);

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
  // `--sep`, `--nl`, `--upsert`: another tool's spelling, before commander's guess by edit distance.
  if (unknown) {
    const root = rootOf(command);
    const advice = otherToolsOption(unknown[1]!, name, (option) => hasOption(command, option), (option) => leaves(root).filter((c) => hasOption(c, option)).map((c) => commandPath(c).replace(/^barge /, '')));
    if (advice !== undefined) return { what: `unknown option '${unknown[1]}' (${advice})` };
    // `barge import --out x`: another command's option, named as such rather than guessed at.
    const flag = unknown[1]!.replace(/=.*$/s, '');
    const others = leaves(root).filter((c) => c !== command && hasOption(c, flag)).map(commandPath);
    if (others.length > 0) return { what: `unknown option '${unknown[1]}' (an option of ${wordList(others, 'and')}, not of ${commandPath(command)})` };
  }
  return undefined;
}

/**
 * An unknown command word that another tool uses (`load`, `resume`, `infer`) or that names an
 * input (`barge data.csv`, `barge schema data.csv`): the command line to run instead.
 */
function otherCommand(word: string, command: Command, argv: readonly string[]): Reworded | undefined {
  const args = argv.slice(2);
  const path = commandPath(command).split(' ').slice(1);
  const at = args.findIndex((arg, i) => i >= path.length && arg === word);
  if (at === -1) return undefined;
  const isInput = looksLikeInput(word, fs.existsSync(word));
  if (command.parent !== null) {
    // `barge schema data.csv`: infer is schema's one command that reads an input.
    if (!isInput || command.commands.every((c) => c.name() !== 'infer')) return undefined;
    const line = ['barge', ...args.slice(0, at), 'infer', ...args.slice(at)].map((arg, i) => (i === 0 ? arg : shellWord(arg)));
    return { what: `unknown command '${word}' (to print its schema: ${line.join(' ')})` };
  }
  const other = otherToolsCommand(word, args, at, isInput);
  if (other === undefined) return undefined;
  return { what: `unknown command '${word}' (${other.what}: ${other.line.map((arg, i) => (i === 0 ? arg : shellWord(arg))).join(' ')})` };
}

/**
 * `barge stats data`, `barge export data`: a table named where --table goes (both commands take
 * it and no argument): the line with `--table data`.
 */
function tableArgument(command: Command, argv: readonly string[]): string | undefined {
  if (command.args.length !== 1 || !hasOption(command, '--table')) return undefined;
  const word = command.args[0]!;
  const args = argv.slice(2);
  const at = args.lastIndexOf(word);
  if (at === -1) return undefined;
  const line = ['barge', ...args.slice(0, at).map(shellWord), '--table', shellWord(word), ...args.slice(at + 1).map(shellWord)];
  return `for the table ${JSON.stringify(word)}: ${line.join(' ')}`;
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent !== null) root = root.parent;
  return root;
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
