// strerror(3) text for the errors log plugins meet, so log lines read as Kong's do.
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ENOTDIR: 'Not a directory',
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'connection reset by peer',
  EPIPE: 'broken pipe',
};

export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e?.code && STRERROR[e.code]) ?? (e instanceof Error ? e.message : String(err));
}
