// The CLI's view of the terminal: where output goes, whether colour and prompts are allowed.
import { Chalk, type ChalkInstance } from 'chalk';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  color: ChalkInstance;
  /** Prompts are allowed: stdin and stdout are TTYs, not CI, no --no-input. */
  interactive: boolean;
  /** stdout is a terminal: a view may redraw itself in place. */
  tty: boolean;
  now(): Date;
  env: NodeJS.ProcessEnv;
}

export function colorWanted(env: NodeJS.ProcessEnv, isTty: boolean, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return isTty;
}

export function isInteractive(env: NodeJS.ProcessEnv, noInput: boolean | undefined): boolean {
  if (noInput) return false;
  if (env.CI && env.CI !== 'false' && env.CI !== '0') return false;
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

export function processIo(opts: { color?: boolean; input?: boolean } = {}): Io {
  const env = process.env;
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    color: new Chalk({ level: colorWanted(env, Boolean(process.stdout.isTTY), opts.color) ? 1 : 0 }),
    interactive: isInteractive(env, opts.input === false),
    tty: Boolean(process.stdout.isTTY),
    now: () => new Date(),
    env,
  };
}
