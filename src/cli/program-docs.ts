// What --help and the man pages say beyond the flags: details, examples, files, signals, exit
// codes and the environment, attached to the commands of the one tree both are generated from.
import type { Command } from 'commander';
import { DETAILS } from './docs/details.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  success / valid
  1  the thing checked is invalid, or an output file exists (use --force)
  2  usage error or unreadable input`;

export const ENVIRONMENT: [string, string][] = [
  ['KONG_*', 'every kong.conf property x_y can be given as KONG_X_Y; precedence: defaults < conf file < KONG_* < flags'],
  ['HYBRIDCTL_WORK_DIR', 'where the control plane keeps a generated cluster certificate (default $HOME/.hybridctl)'],
  ['HYBRIDCTL_CP', 'the Admin API of the control plane for dump, diff, apply, get, delete and inspect (default http://127.0.0.1:8001)'],
  ['HYBRIDCTL_CONFIG', 'the named control planes file (default $HOME/.hybridctl/config.yaml)'],
  ['DECK_*', 'dump, diff, apply: variables a file may read with ${{ env "DECK_NAME" }}'],
  ['HYBRIDCTL_DEBUG', 'set to 1 to print stack traces with errors'],
  ['NO_COLOR', 'disable colour, as --no-color does'],
  ['CI', 'when true, never prompt, as --no-input does'],
  ['HYBRIDCTL_SYSLOG_SOCKET', 'the socket the syslog plugin sends to instead of /dev/log (meant for tests)'],
];

/** Shown only by the commands that list them: they mean nothing elsewhere. */
const OPT_IN = new Set(['HYBRIDCTL_SYSLOG_SOCKET']);

/** A man page's ENVIRONMENT: every variable, but the opt-in ones only where the command lists them. */
export const manEnvironment = (doc: CommandDoc | undefined): [string, string][] => ENVIRONMENT.filter(([k]) => !OPT_IN.has(k) || Boolean(doc?.environment?.includes(k)));

export interface CommandDoc {
  examples: string[];
  /** Replaces the generic exit code block in --help. */
  exitCodes?: string;
  /** Paragraphs for the man page DESCRIPTION (the one-line summary is its NAME). */
  details?: string[];
  files?: [string, string][];
  signals?: [string, string][];
  /** Further man page sections, e.g. the problem codes of verify-chain. */
  sections?: { title: string; items: [string, string][] }[];
  /** Environment variables shown in --help (default: all of ENVIRONMENT). */
  environment?: string[];
}

const docs = new WeakMap<Command, CommandDoc>();
export const docsOf = (c: Command): CommandDoc | undefined => docs.get(c);

const block = (title: string, rows: [string, string][]) => {
  const w = Math.max(...rows.map(([k]) => k.length));
  return `\n${title}:\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`;
};

const pathOf = (cmd: Command): string[] => (cmd.parent ? [...pathOf(cmd.parent), cmd.name()] : []);

export function withDocs(cmd: Command, given: CommandDoc): Command {
  const doc = { ...DETAILS[pathOf(cmd).join(' ')], ...given };
  docs.set(cmd, doc);
  const env = ENVIRONMENT.filter(([k]) => (doc.environment ? doc.environment.includes(k) : !OPT_IN.has(k)));
  const parts = [
    `\nExamples:\n${doc.examples.map((e) => `  ${e}`).join('\n')}\n`,
    ...(doc.signals ? [block('Signals', doc.signals)] : []),
    ...(doc.files ? [block('Files', doc.files)] : []),
    block('Environment', env),
  ];
  cmd.addHelpText('after', `${parts.join('')}${doc.exitCodes ?? EXIT_CODES_HELP}`);
  return cmd;
}
