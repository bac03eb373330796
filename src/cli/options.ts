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
