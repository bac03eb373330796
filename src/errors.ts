// The one error taxonomy of hybridctl and its mapping to the contract's exit codes.
// "The thing checked is bad" is data (problems, findings), never an exception; these are for
// everything that stops a command from doing its job.

export abstract class HybridError extends Error {
  abstract readonly exitCode: 1 | 2;
  /** A short fix-it line shown under the message. */
  readonly hint: string | undefined;
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.hint = opts.hint;
    this.name = new.target.name;
  }
}

/** Bad or conflicting flags, wrong number of arguments. */
export class UsageError extends HybridError {
  readonly exitCode = 2;
}

/** Missing or unreadable input: a file that is absent, not PEM, a key where a certificate belongs. */
export class InputError extends HybridError {
  readonly exitCode = 2;
}

/** A daemon's configuration has errors; carries every message so all can be printed. */
export class ConfigError extends HybridError {
  readonly exitCode = 2;
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = [], opts: { hint?: string } = {}) {
    super(message, opts);
    this.details = details;
  }
}

/** The world is in the way: an output file exists and --force was not given. */
export class RefusedError extends HybridError {
  readonly exitCode = 1;
}

/** A daemon cannot continue: port in use, store unusable. */
export class RuntimeError extends HybridError {
  readonly exitCode = 1;
}

export function exitCodeFor(err: unknown): 1 | 2 {
  return err instanceof HybridError ? err.exitCode : 1;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
