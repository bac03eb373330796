// A plain description of the command tree, read from commander: the one source of completions,
// man pages and help examples.
import type { Command, Option } from 'commander';
import { docsOf, manEnvironment } from '../program-docs.js';
import { DETAILS } from './details.js';
import { sectionsFor, type Section } from './sections.js';
import { ALL_KEYS, SCHEMA } from '../../conf/index.js';

const FILE_KEY = /(_cert|_cert_key|_certificate|_key|declarative_config|_path)$/;

/** Every kong.conf property as `--property-name`, for commands that accept them as flags. */
function confKeyOptions(existing: Set<string>): OptionDoc[] {
  // Kong keeps `_`-prefixed properties for itself (its test hooks): they are no operator flags.
  return ALL_KEYS.filter((k) => !k.startsWith('_') && !existing.has(`--${k.replace(/_/g, '-')}`)).map((k) => {
    const p = SCHEMA[k];
    const choices = p?.type === 'enum' ? [...(p.values ?? [])] : p?.type === 'boolean' ? ['on', 'off'] : undefined;
    return { long: `--${k.replace(/_/g, '-')}`, description: `kong.conf ${k}`, value: 'value', choices, completes: FILE_KEY.test(k) ? 'file' : undefined, confKey: true };
  });
}

export interface OptionDoc {
  long: string;
  short?: string;
  description: string;
  /** Value placeholder (`file`, `n`), undefined for switches. */
  value?: string;
  choices?: string[];
  /** What the value names on disk, for completion. */
  completes?: 'file' | 'dir';
  /** A kong.conf property taken as a flag by the daemons: completed, not listed in man pages. */
  confKey?: boolean;
}

export interface CommandDoc {
  /** Words after `hybridctl`, e.g. ['cp', 'run']; [] for the program itself. */
  path: string[];
  description: string;
  usage: string;
  options: OptionDoc[];
  /** Positional arguments: files unless they list choices or are marked as plain words. */
  args: { name: string; required: boolean; description: string; choices?: string[]; files: boolean }[];
  examples: string[];
  /** Man page DESCRIPTION paragraphs; the one-line description is the NAME. */
  details: string[];
  files: [string, string][];
  signals: [string, string][];
  environment: [string, string][];
  sections: Section[];
  commands: CommandDoc[];
  hidden: boolean;
}

function optionDoc(o: Option): OptionDoc {
  const value = o.flags.match(/[<[]([^>\]]+)[>\]]/)?.[1];
  const completes = value && /file/.test(value) ? 'file' : value && /dir/.test(value) ? 'dir' : undefined;
  return {
    long: o.long ?? o.flags,
    short: o.short,
    description: o.description,
    value,
    choices: o.argChoices,
    completes,
  };
}

export function describe(cmd: Command, parent: string[] = []): CommandDoc {
  const path = cmd.parent ? [...parent, cmd.name()] : [];
  const options = cmd.options.filter((o) => !o.hidden).map(optionDoc);
  const extra = { ...DETAILS[path.join(' ')], ...docsOf(cmd) };
  if ((cmd as unknown as { _allowUnknownOption?: boolean })._allowUnknownOption) options.push(...confKeyOptions(new Set(options.map((o) => o.long))));
  if (!cmd.parent) options.push({ long: '--help', short: '-h', description: 'show help' });
  else options.push({ long: '--help', short: '-h', description: 'show help for this command' });
  return {
    path,
    description: cmd.description(),
    usage: `hybridctl ${[...path, cmd.usage()].filter(Boolean).join(' ')}`.trim(),
    options,
    args: cmd.registeredArguments.map((a) => ({
      name: a.name(),
      required: a.required,
      description: a.description,
      choices: a.argChoices,
      files: !a.argChoices && !/command|name/.test(a.name()),
    })),
    examples: docsOf(cmd)?.examples ?? [],
    details: extra.details ?? [],
    files: extra.files ?? [],
    signals: extra.signals ?? [],
    environment: manEnvironment(docsOf(cmd)),
    sections: sectionsFor(path),
    commands: cmd.commands.map((c) => describe(c, path)),
    hidden: (cmd as unknown as { _hidden?: boolean })._hidden === true,
  };
}

/** Every command in the tree, depth first, the program first. */
export function flatten(doc: CommandDoc): CommandDoc[] {
  return [doc, ...doc.commands.filter((c) => !c.hidden).flatMap(flatten)];
}

export { ENVIRONMENT } from '../program-docs.js';

export const EXIT_CODES: [string, string][] = [
  ['0', 'success; the thing checked is valid; a daemon stopped gracefully on SIGINT/SIGTERM'],
  ['1', 'the thing checked is invalid, an output file exists (use --force), or a daemon hit a fatal runtime error'],
  ['2', 'usage error or unreadable input (missing file, not PEM, unknown flag, configuration error)'],
  ['130', 'interrupted with Ctrl-C at an interactive question; nothing was written'],
];
