// Examples and exit codes attached to commands: shown by --help and read by the man page generator.
import type { Command } from 'commander';

export const EXIT_CODES_HELP = `
Exit codes:
  0  success / valid
  1  the thing checked is invalid, or an output file exists (use --force)
  2  usage error or unreadable input`;

export interface CommandDoc {
  examples: string[];
  /** Replaces the generic exit code block in --help. */
  exitCodes?: string;
}

const docs = new WeakMap<Command, CommandDoc>();
export const docsOf = (c: Command): CommandDoc | undefined => docs.get(c);

export function withDocs(cmd: Command, doc: CommandDoc): Command {
  docs.set(cmd, doc);
  cmd.addHelpText('after', `\nExamples:\n${doc.examples.map((e) => `  ${e}`).join('\n')}\n${doc.exitCodes ?? EXIT_CODES_HELP}`);
  return cmd;
}
