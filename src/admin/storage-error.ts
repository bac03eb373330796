// A failing disk under the store, told apart from a bug: the answer and the log name the errno and
// the store's path, so the operator frees space instead of reading "An unexpected error occurred".
// The store commits before it changes its rows in memory and LMDB commits whole transactions, so a
// failed write has changed nothing: the answer says so.
import { constants } from 'node:os';

export interface StorageFailure {
  status: number;
  code: string;
  reason: string;
  message: string;
}

const KNOWN: Record<string, { status: number; reason: string; fix: string }> = {
  ENOSPC: { status: 507, reason: 'no space left on device', fix: 'free space on that disk and retry' },
  EDQUOT: { status: 507, reason: 'disk quota exceeded', fix: 'raise the quota or free space and retry' },
  EIO: { status: 500, reason: 'input/output error', fix: 'check the disk (dmesg) and retry' },
  EROFS: { status: 500, reason: 'read-only file system', fix: 'remount the file system read-write and retry' },
};

const byNumber = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));
const byText: [RegExp, string][] = [
  [/no space left on device/i, 'ENOSPC'],
  [/disk quota exceeded/i, 'EDQUOT'],
  [/input\/output error/i, 'EIO'],
  [/read-only file system/i, 'EROFS'],
];

/** lmdb reports the errno as a number (28) with the C library's text; node:fs as a name ('ENOSPC'). */
function errnoName(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && KNOWN[code]) return code;
  if (typeof code === 'number' && KNOWN[byNumber.get(code) ?? '']) return byNumber.get(code)!;
  return byText.find(([re]) => re.test(err.message))?.[1] ?? null;
}

export function storageFailure(err: unknown, storePath?: string): StorageFailure | null {
  const code = errnoName(err);
  if (!code) return null;
  const k = KNOWN[code]!;
  const where = storePath ? `its store at ${storePath}` : 'its store';
  return { status: k.status, code, reason: `${k.reason} (${code})`, message: `the control plane could not write ${where}: ${k.reason} (${code}); nothing was changed, ${k.fix}` };
}
