// Keep-alive connections to plain-HTTP upstreams for the lean path, one pool per worker. A
// connection's listeners are set once, when it is made; each request only points the
// connection at the exchange it serves, so nothing is allocated per request here.
import { connect, type Socket } from 'node:net';
import type { CompiledConfig } from '../compile.js';

/** Kong's upstream_keepalive_idle_timeout (60 s), as the undici pools use. */
export const UPSTREAM_IDLE_MS = 60_000;
/** Idle connections kept per origin; more are closed when they come back. */
const MAX_IDLE = 512;
/**
 * Upstream reads land here (net's `onread`), not in a stream: no Readable push and 'data' event
 * per read. Each read is copied out before the exchange sees it, since pieces of it are kept
 * (a partial head, a held body, a write still queued) while the next read reuses this buffer.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** What an exchange hears from the connection serving it. */
export interface UpstreamUser {
  onUpstreamConnect(): void;
  onUpstreamData(chunk: Buffer): void;
  /** The connection closed; `err` is the error that closed it, if any. */
  onUpstreamClose(err: Error | null): void;
  onUpstreamTimeout(): void;
  /** Handling the response threw. */
  onUpstreamThrow(err: unknown): void;
}

export class UpstreamConn {
  readonly socket: Socket;
  user: UpstreamUser | null = null;
  connected = false;
  /** It served a request before this one (a failure may be a stale keep-alive connection). */
  reused = false;
  /** The socket's current idle timeout: changed only when a request needs another one. */
  private timeoutMs = 0;
  private error: Error | null = null;

  constructor(readonly pools: LeanPools, readonly host: string, readonly port: number) {
    const socket = connect({ host, port, onread: { buffer: READ_BUFFER, callback: this.onRead } });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', this.onConnect);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('timeout', this.onTimeout);
  }

  timeout(ms: number): void {
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  private readonly onConnect = () => {
    this.connected = true;
    this.user?.onUpstreamConnect();
  };
  private readonly onRead = (n: number, buf: Buffer): boolean => {
    this.deliver(Buffer.from(buf.subarray(0, n)));
    return true;
  };
  private deliver(chunk: Buffer): void {
    const user = this.user;
    // Bytes nobody asked for: the connection cannot be trusted with the next request.
    if (!user) return void this.socket.destroy();
    try {
      user.onUpstreamData(chunk);
    } catch (err) {
      // As undici does with a handler that throws: that request fails, the worker serves on.
      this.user = null;
      this.socket.destroy();
      user.onUpstreamThrow(err);
    }
  }
  private readonly onError = (err: Error) => {
    this.error = err;
  };
  private readonly onClose = () => {
    const user = this.user;
    this.user = null;
    if (user) user.onUpstreamClose(this.error);
    else this.pools.forget(this);
  };
  private readonly onTimeout = () => {
    if (this.user) this.user.onUpstreamTimeout();
    else this.socket.destroy();
  };
}

export class LeanPools {
  // By host, then port: the host is the service's or target's own string (its hash is computed
  // once), so no key is built per request.
  private readonly idle = new Map<string, Map<number, UpstreamConn[]>>();

  /** An idle connection to host:port, or a new one (`user` hears its connect). */
  take(host: string, port: number, user: UpstreamUser): UpstreamConn {
    const list = this.idle.get(host)?.get(port);
    const conn = list && list.length > 0 ? list.pop()! : new UpstreamConn(this, host, port);
    conn.user = user;
    return conn;
  }

  /** A connection whose response is complete and that may carry another request. */
  release(conn: UpstreamConn): void {
    conn.user = null;
    conn.reused = true;
    let ports = this.idle.get(conn.host);
    if (!ports) this.idle.set(conn.host, (ports = new Map()));
    let list = ports.get(conn.port);
    if (!list) ports.set(conn.port, (list = []));
    if (list.length >= MAX_IDLE) return void conn.socket.destroy();
    conn.timeout(UPSTREAM_IDLE_MS);
    list.push(conn);
  }

  /** An idle connection that closed. */
  forget(conn: UpstreamConn): void {
    const list = this.idle.get(conn.host)?.get(conn.port);
    const i = list ? list.indexOf(conn) : -1;
    if (i !== -1) list!.splice(i, 1);
  }

  /** Closes idle connections to origins `cfg` no longer names. */
  retainFor(cfg: CompiledConfig): void {
    if (this.idle.size === 0) return;
    const live = new Set<string>();
    for (const svc of cfg.services.values()) {
      const balancer = cfg.balancers.get(svc.host);
      if (!balancer) live.add(`${svc.host}:${svc.port}`);
      else for (const p of balancer.peers) live.add(`${p.host}:${p.port}`);
    }
    for (const [host, ports] of this.idle) {
      for (const [port, list] of ports) {
        if (live.has(`${host}:${port}`)) continue;
        ports.delete(port);
        for (const c of list) c.socket.destroy();
      }
      if (ports.size === 0) this.idle.delete(host);
    }
  }

  close(): void {
    const all = [...this.idle.values()].flatMap((ports) => [...ports.values()].flat());
    this.idle.clear();
    for (const c of all) c.socket.destroy();
  }
}
