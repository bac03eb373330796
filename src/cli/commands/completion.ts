// hybridctl completion SHELL and hybridctl man [COMMAND…]: print what the command tree generates.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { bashCompletion } from '../docs/bash.js';
import { fishCompletion } from '../docs/fish.js';
import { manPages, pageName } from '../docs/man.js';
import { describe, flatten } from '../docs/tree.js';
import { zshCompletion } from '../docs/zsh.js';
import type { Io } from '../io.js';

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

export async function completionAction(shell: string, program: Command, io: Io): Promise<number> {
  const gen = SHELLS[shell as keyof typeof SHELLS];
  if (!gen) throw new UsageError(`invalid value '${shell}' for SHELL; options are ${Object.keys(SHELLS).join(', ')}`);
  io.out(gen(describe(program)).replace(/\n$/, ''));
  return 0;
}

export async function manAction(words: string[], flags: { list?: boolean }, program: Command, io: Io): Promise<number> {
  const root = describe(program);
  if (flags.list) {
    io.out(flatten(root).map(pageName).map((n) => `${n}.1`).join('\n'));
    return 0;
  }
  const name = ['hybridctl', ...words].join('-');
  const page = manPages(root).get(`${name}.1`);
  if (!page) throw new UsageError(`no manual page for '${words.join(' ')}'; run 'hybridctl man --list'`);
  io.out(page.replace(/\n$/, ''));
  return 0;
}
