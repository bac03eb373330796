// The syslog(3) Kong's plugin calls, through one long-lived util-linux `logger` per proxy worker:
// Node.js cannot send on a Unix datagram socket, logger can. Each line on its stdin is
// `<PRI>message`; logger writes it to /dev/log as glibc's syslog() would (`<PRI>Mmm dd hh:mm:ss
// kong[PID]: message`, datagram then stream). Writes never wait: a logger that falls behind or is
// down loses lines, counted and reported, never a request.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { PluginLogger } from '../pdk/types.js';

/** Where syslog(3) sends: glibc's _PATH_LOG. Tests point the data plane elsewhere with the variable. */
export const DEFAULT_SYSLOG_SOCKET = '/dev/log';
export const SYSLOG_SOCKET_ENV = 'HYBRIDCTL_SYSLOG_SOCKET';

/** Lines waiting in this worker for logger to read them; past this they are dropped. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/**
 * One message must fit one datagram: Linux's default send buffer (net.core.wmem_default) is
 * 208 KiB, and logger truncates anything longer than --size, which would break the JSON.
 */
export const MAX_MESSAGE_BYTES = 128 * 1024;
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A logger that ran this long was working: the next failure is news again. */
const HEALTHY_MS = 5_000;
const REPORT_EVERY_MS = 10_000;

let socketPath = DEFAULT_SYSLOG_SOCKET;
let command = 'logger';

/** Set by the data plane before any request; `logger` is looked up on PATH. */
export function configureSyslog(o: { socket?: string; command?: string }): void {
  socketPath = o.socket || DEFAULT_SYSLOG_SOCKET;
  command = o.command ?? 'logger';
}

class SyslogWriter {
  private child: ChildProcess | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private delay = RESTART_MIN_MS;
  private upSince = 0;
  private warned = false;
  private lastStderr = '';
  private drops = 0;
  private reportedDrops = 0;
  private lastReport = 0;
  private log: PluginLogger | null = null;

  send(pri: number, message: string, log: PluginLogger): void {
    this.log = log;
    const line = `<${pri}>${message}\n`;
    if (Buffer.byteLength(line) > MAX_MESSAGE_BYTES) return this.lost('a message is longer than one datagram may be');
    if (!this.child && !this.restartTimer) this.start();
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable) return this.lost('logger is not running');
    if (stdin.writableLength > MAX_PENDING_BYTES) return this.lost('logger does not keep up');
    stdin.write(line);
    if (this.drops > this.reportedDrops) this.report();
  }

  private start(): void {
    // --id: the PID syslog(3) adds under LOG_PID (luasyslog's openlog); --socket-errors=on: a
    // socket that refuses makes logger exit, so it is started again and reconnects.
    const args = ['--prio-prefix', '--tag', 'kong', `--id=${process.pid}`, '--socket', socketPath, '--socket-errors=on', '--size', String(MAX_MESSAGE_BYTES)];
    const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child = child;
    this.upSince = Date.now();
    this.lastStderr = '';
    // Neither logger nor its pipes may keep a closing worker alive; at the worker's exit logger reads EOF and ends.
    child.unref();
    for (const s of [child.stdin, child.stderr] as unknown as Socket[]) s.unref?.();
    child.stdin?.on('error', () => undefined);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      const last = d.trim().split('\n').at(-1);
      if (last) this.lastStderr = last;
    });
    child.once('error', (err: NodeJS.ErrnoException) => this.down(child, err.code === 'ENOENT' ? `${command} not found on PATH (install util-linux's logger: bsdutils on Debian)` : `cannot run ${command}: ${err.message}`));
    child.once('exit', (code, signal) => this.down(child, this.lastStderr || `logger exited (${signal ?? `code ${code}`})`));
  }

  private down(child: ChildProcess, why: string): void {
    // A failed spawn may report both 'error' and 'exit': one restart for one logger.
    if (this.child !== child) return;
    this.child = null;
    if (Date.now() - this.upSince >= HEALTHY_MS) {
      this.delay = RESTART_MIN_MS;
      this.warned = false;
    }
    if (!this.warned) {
      this.warned = true;
      this.log?.warn(`cannot send to syslog: ${why}; dropping log lines, retrying with backoff`, { socket: socketPath });
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start();
    }, this.delay);
    this.restartTimer.unref();
    this.delay = Math.min(this.delay * 2, RESTART_MAX_MS);
  }

  /** As the access logs do: the first loss at once, then at most every 10 s, with the count. */
  private lost(why: string): void {
    this.drops++;
    if (Date.now() - this.lastReport >= REPORT_EVERY_MS) this.report(why);
  }

  private report(why?: string): void {
    if (Date.now() - this.lastReport < REPORT_EVERY_MS) return;
    this.lastReport = Date.now();
    this.log?.warn(`syslog lines dropped${why ? `: ${why}` : ''}`, { socket: socketPath, dropped: this.drops - this.reportedDrops, dropped_total: this.drops });
    this.reportedDrops = this.drops;
  }
}

let writer: SyslogWriter | null = null;

/** This worker's one writer, started at the first line. */
export function syslogWriter(): SyslogWriter {
  return (writer ??= new SyslogWriter());
}
