// Shared flag parsing helpers: every error names the flag and the accepted values.
import { UsageError } from '../errors.js';

export type OutputFormat = 'text' | 'json';

export function oneOf<T extends string>(flag: string, value: string | undefined, options: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((options as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`invalid value '${value}' for ${flag}; options are ${options.join(', ')}`);
}

export function outputFormat(value: string | undefined): OutputFormat {
  return oneOf('--output', value, ['text', 'json'] as const, 'text');
}

export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`invalid value '${value}' for ${flag}; expected a positive number`);
  }
  return n;
}

/** The last instant an X.509 certificate can express (GeneralizedTime, RFC 5280 §4.1.2.5). */
export const X509_LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Validity in days, refused when notAfter would fall beyond what X.509 can encode. */
export function validityDays(flag: string, value: string | undefined, now: Date): number | undefined {
  const n = positiveNumber(flag, value);
  if (n === undefined) return undefined;
  const max = Math.floor((X509_LAST_INSTANT - now.getTime()) / 86_400_000);
  if (n > max) {
    throw new UsageError(`invalid value '${value}' for ${flag}; a certificate cannot be valid past 9999-12-31, so at most ${max} days from now`, { hint: `pass ${flag} ${max} or less` });
  }
  return n;
}

export function integerIn(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < min || n > max) {
    throw new UsageError(`invalid value '${value}' for ${flag}; expected a whole number from ${min} to ${max}`);
  }
  return n;
}

export function instant(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new UsageError(`invalid value '${value}' for ${flag}; expected an ISO 8601 time such as 2027-01-31T12:00:00Z`);
  }
  return d;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}
