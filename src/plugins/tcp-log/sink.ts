// One connection per destination in this worker, kept open for `keepalive` ms after the last
// line (Kong's cosocket keepalive pool), with lines written in order. While it connects, lines
// wait in memory up to a bound; a failed connection drops what waited and says so.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { PluginLogger } from '../pdk/types.js';
import { describeError } from '../log-shared/errno.js';

export interface TcpConf {
  host: string;
  port: number;
  timeout: number;
  keepalive: number;
  tls: boolean;
  tls_sni: string | null;
}

/** Lines waiting for a connection or a slow reader, per destination; past this they are dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

class TcpSink {
  private sock: Socket | null = null;
  private ready = false;
  private pending: string[] = [];
  private pendingBytes = 0;
  private idle: NodeJS.Timeout | null = null;
  private dropped = 0;

  constructor(private readonly conf: TcpConf, private log: PluginLogger) {}

  private get where(): string {
    return `${this.conf.host}:${this.conf.port}`;
  }

  send(line: string, log: PluginLogger): void {
    this.log = log;
    const waiting = this.pendingBytes + (this.sock?.writableLength ?? 0);
    if (waiting + line.length > MAX_PENDING_BYTES) {
      if (this.dropped++ === 0) log.err(`failed to send data to ${this.where}: too much data waiting; dropping log lines`);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!this.sock) this.open();
    else if (this.ready) this.flush();
  }

  private open(): void {
    const { host, port, timeout, tls } = this.conf;
    // Kong: sslhandshake(false, tls_sni, false): no SNI unless tls_sni is set, no verification.
    const sock = tls
      ? tlsConnect({ host, port, servername: this.conf.tls_sni ?? '', rejectUnauthorized: false })
      : netConnect({ host, port });
    this.sock = sock;
    this.ready = false;
    let tcpUp = false;
    // An idle kept-alive connection must not hold a closing worker open.
    sock.unref();
    sock.once('connect', () => { tcpUp = true; });
    sock.setTimeout(timeout, () => sock.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    sock.once(tls ? 'secureConnect' : 'connect', () => {
      this.ready = true;
      sock.setTimeout(0);
      this.flush();
    });
    sock.on('error', (err) => {
      const what = this.ready ? 'failed to send data to' : tls && tcpUp ? 'failed to perform TLS handshake to' : 'failed to connect to';
      const lost = this.pending.length;
      this.pending = [];
      this.pendingBytes = 0;
      this.log.err(`${what} ${this.where}: ${describeError(err)}${lost > 0 ? ` (${lost} log lines lost)` : ''}`);
    });
    sock.on('close', () => {
      if (this.sock === sock) this.sock = null;
      this.ready = false;
      if (this.idle) clearTimeout(this.idle);
      // Lines that arrived while the old connection was closing go on a new one.
      if (this.pending.length > 0) this.open();
    });
  }

  private flush(): void {
    const sock = this.sock!;
    if (this.pending.length > 0) {
      sock.write(this.pending.join(''));
      this.pending = [];
      this.pendingBytes = 0;
      if (this.dropped > 0) {
        this.log.warn(`${this.dropped} log lines for ${this.where} were dropped`);
        this.dropped = 0;
      }
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => sock.end(), Math.max(0, this.conf.keepalive)).unref();
  }
}

const sinks = new Map<string, TcpSink>();

export function tcpSink(conf: TcpConf, log: PluginLogger): TcpSink {
  const key = [conf.host, conf.port, conf.tls, conf.tls_sni ?? '', conf.timeout, conf.keepalive].join('|');
  let s = sinks.get(key);
  if (!s) sinks.set(key, (s = new TcpSink(conf, log)));
  return s;
}
