// Access logs as nginx writes them for Kong (proxy_access_log, admin_access_log,
// status_access_log): one line per request, appended to a file opened with O_APPEND (so several
// proxy workers can share it), written in batches off the request path, reopened on demand
// (logrotate's SIGUSR1). A disk that cannot keep up loses lines, counted, never requests.
import { closeSync, mkdirSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';

/** Lines buffered beyond this are dropped until the disk catches up. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
const FLUSH_BYTES = 64 * 1024;

export interface AccessLogSink {
  write(line: string): void;
  reopen(): void;
  close(): Promise<void>;
  /** Lines dropped because the disk did not keep up, since the start. */
  readonly dropped: number;
}

export class AccessLog implements AccessLogSink {
  private fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing = false;
  private scheduled = false;
  private closed = false;
  private drops = 0;
  private reportedDrops = 0;
  private lastReport = 0;
  private idle: (() => void)[] = [];

  /**
   * Opens (creating the directory and file, 0644) or throws naming the file. `warn` hears, at most
   * every 10 s, how many lines were lost: an access log never goes missing silently.
   */
  constructor(readonly path: string, private readonly warn?: (msg: string, fields: Record<string, unknown>) => void) {
    this.fd = AccessLog.open(path);
  }

  private lost(n: number): void {
    this.drops += n;
    const now = Date.now();
    if (!this.warn || now - this.lastReport < 10_000) return;
    this.lastReport = now;
    this.warn('access log lines dropped: the disk does not keep up or a write failed', { file: this.path, dropped: this.drops - this.reportedDrops, dropped_total: this.drops });
    this.reportedDrops = this.drops;
  }

  private static open(path: string): number {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a', 0o644);
  }

  get dropped(): number {
    return this.drops;
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.lost(1);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length + 1;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** After logrotate moved the file: later lines go to a new file at the same path. */
  reopen(): void {
    if (this.closed) return;
    const next = AccessLog.open(this.path);
    const old = this.fd;
    this.fd = next;
    // A write under way keeps the old descriptor until it is done.
    if (this.writing) this.idle.push(() => closeSync(old));
    else closeSync(old);
  }

  async close(): Promise<void> {
    this.flush();
    if (this.writing || this.pending.length) await new Promise<void>((ok) => this.idle.push(ok));
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.writing || this.pending.length === 0) {
      if (!this.writing) this.settle();
      return;
    }
    const chunk = Buffer.from(`${this.pending.join('\n')}\n`);
    this.pending = [];
    this.pendingBytes = 0;
    this.writing = true;
    const fd = this.fd;
    const next = (offset: number) => {
      write(fd, chunk, offset, chunk.length - offset, null, (err, n) => {
        if (!err && offset + n < chunk.length) return next(offset + n);
        // A failed write (full disk) loses this batch; the next one tries again.
        if (err) this.lost(chunk.toString().split('\n').length - 1);
        this.writing = false;
        if (this.pending.length) this.flush();
        else this.settle();
      });
    };
    next(0);
  }

  private settle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const fn of waiting) fn();
  }
}

/** `path` from kong.conf `key`, or null for `off`; a file that cannot be opened stops the start, named. */
export function openAccessLog(path: string | null, key = 'proxy_access_log', log?: { warn(msg: string, fields: Record<string, unknown>): void }): AccessLog | null {
  if (!path) return null;
  try {
    return new AccessLog(path, log ? (msg, fields) => log.warn(`${key}: ${msg}`, fields) : undefined);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`${key}: cannot open ${path} for appending (${code})`, [], { hint: `make it writable, point ${key} at another file, or set ${key} = off` });
  }
}
