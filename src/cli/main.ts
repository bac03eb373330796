// The CLI's composition root: parse, run, map errors to exit codes, print one-line errors.
import { CommanderError, type Command } from 'commander';
import { errorMessage, exitCodeFor, HybridError, ConfigError } from '../errors.js';
import { buildProgram, type Runner } from './program.js';
import { processIo } from './io.js';

function printError(err: unknown, color: boolean | undefined): void {
  const io = processIo({ color });
  const debug = process.env.HYBRIDCTL_DEBUG === '1';
  if (err instanceof HybridError) {
    io.err(`${io.color.red('error:')} ${err.message}`);
    if (err instanceof ConfigError) for (const d of err.details) io.err(`  ${d}`);
    if (err.hint) io.err(`  ${io.color.dim('hint:')} ${err.hint}`);
  } else {
    io.err(`${io.color.red('internal error:')} ${errorMessage(err)}; rerun with HYBRIDCTL_DEBUG=1 for the stack`);
  }
  if (debug && err instanceof Error && err.stack) io.err(err.stack);
}

const run: Runner = async (fn, opts) => {
  try {
    process.exitCode = await fn(processIo(opts));
  } catch (err) {
    // Ctrl-C at a question: stop quietly with the shell's interrupt status, as any tool would.
    if (err instanceof Error && err.name === 'ExitPromptError') {
      process.exitCode = 130;
      return;
    }
    printError(err, opts.color);
    process.exitCode = exitCodeFor(err);
  }
};

/**
 * A reader that leaves early (`| head`, `| grep -q`) ends the output, not the command: no stack
 * trace, and the exit code the command had so far (a pipe's reader choosing to stop is no error).
 */
function quietOnClosedPipe(): void {
  // stdout only: the daemons log to stderr, and one whose log reader vanished must not look like a clean stop.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** The (sub)command words an argv names, e.g. ['cp', 'run'] for `cp run --log-level trace`. */
function commandPath(program: Command, words: string[]): string[] {
  const path: string[] = [];
  let cmd = program;
  for (const w of words) {
    const next = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!next) break;
    path.push(next.name());
    cmd = next;
  }
  return path;
}

async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  // A forked proxy worker of `dp run` gets its settings from the environment; its argv differs
  // between Node and the single executable, so it skips command-line parsing altogether.
  if (process.env.HYBRIDCTL_PROXY_WORKER && process.send) {
    const { runProxyWorkerIfAsked } = await import('../daemon/proxy-worker.js');
    if (await runProxyWorkerIfAsked()) return;
  }
  const program = buildProgram(run);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; every other parse failure is a usage error.
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      if (!ok) process.stderr.write(`  run '${['hybridctl', ...commandPath(program, argv.slice(2)), '--help'].join(' ')}' for usage\n`);
      process.exitCode = ok ? 0 : 2;
      return;
    }
    printError(err, undefined);
    process.exitCode = exitCodeFor(err);
  }
}

void main(process.argv);
