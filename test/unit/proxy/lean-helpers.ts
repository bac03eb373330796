// Raw sockets on both sides of the proxy, to compare the lean path and the node:http path byte for byte.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { startProxy, type Proxy, type ProxyOptions } from '../../../src/proxy/server.js';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { quietLog } from './helpers.js';

/** How the raw upstream answers one request head: bytes, or full control of the socket. */
export type Script = (head: string, socket: Socket) => string | Buffer | void;

export interface RawUpstream {
  port: number;
  /** Every request head received (the bytes up to and including the blank line), in order. */
  heads: string[];
  /** Connections accepted so far. */
  connections: number;
  /** Connections that closed so far. */
  closed: number;
}

export async function rawUpstream(script: Script): Promise<RawUpstream> {
  const up: RawUpstream = { port: 0, heads: [], connections: 0, closed: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    up.connections++;
    sockets.add(socket);
    socket.on('close', () => { up.closed++; sockets.delete(socket); });
    socket.on('error', () => undefined);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end + 4);
        const length = /\r\ncontent-length: (\d+)/i.exec(head);
        const bodyLen = length ? Number(length[1]) : 0;
        if (buf.length < end + 4 + bodyLen) return;
        up.heads.push(head + buf.slice(end + 4, end + 4 + bodyLen));
        buf = buf.slice(end + 4 + bodyLen);
        const out = script(head, socket);
        if (out !== undefined) socket.write(out);
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  onTestFinished(() => new Promise<void>((ok) => { for (const s of sockets) s.destroy(); server.close(() => ok()); }));
  up.port = (server.address() as AddressInfo).port;
  return up;
}

/** The same config served by a lean proxy and by a node:http-only one. */
export async function twoProxies(config: ConfigTable, opts: Partial<ProxyOptions> = {}): Promise<{ lean: Proxy; node: Proxy }> {
  const lean = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: quietLog(), ...opts });
  const node = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: quietLog(), ...opts, lean: false });
  onTestFinished(async () => { await lean.close(); await node.close(); });
  lean.swap(config);
  node.swap(config);
  return { lean, node };
}

/** A client connection that sends raw bytes and reads raw responses. */
export class RawClient {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    this.socket.on('close', () => { this.closed = true; this.wake(); });
    this.socket.on('error', () => undefined);
    onTestFinished(() => { this.socket.destroy(); });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async until(test: () => number): Promise<string> {
    for (;;) {
      const n = test();
      if (n >= 0) {
        const out = this.buf.subarray(0, n).toString('latin1');
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.closed) {
        const out = this.buf.toString('latin1');
        this.buf = Buffer.alloc(0);
        return out;
      }
      await new Promise<void>((ok) => this.waiters.push(ok));
    }
  }

  /** Sends `raw` and reads one whole response (`bodiless`: a response to HEAD). */
  async request(raw: string, bodiless = false): Promise<string> {
    this.socket.write(raw, 'latin1');
    return this.response(bodiless);
  }

  response(bodiless = false): Promise<string> {
    return this.until(() => responseEnd(this.buf, bodiless));
  }

  /** Whatever has arrived, once something has (bytes through a tunnel). */
  some(): Promise<string> {
    return this.until(() => (this.buf.length > 0 ? this.buf.length : -1));
  }

  /** Everything until the proxy closes the connection. */
  rest(): Promise<string> {
    return this.until(() => -1);
  }
}

/** Where the first complete response in `buf` ends, or -1. */
function responseEnd(buf: Buffer, bodiless: boolean): number {
  const s = buf.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  if (end === -1) return -1;
  const head = s.slice(0, end);
  const status = Number(head.slice(9, 12));
  if (status < 200 && status !== 101) {
    const next = responseEnd(buf.subarray(end + 4), bodiless);
    return next === -1 ? -1 : end + 4 + next;
  }
  if (bodiless || status === 204 || status === 304 || status === 101) return end + 4;
  const length = /\r\ncontent-length: (\d+)/i.exec(head);
  if (length) return s.length >= end + 4 + Number(length[1]) ? end + 4 + Number(length[1]) : -1;
  if (/\r\ntransfer-encoding: chunked/i.test(head)) {
    const last = s.indexOf('\r\n0\r\n\r\n', end);
    return last === -1 ? -1 : last + 7;
  }
  return -1;
}

/** Dates, latencies, request ids and the proxy's own port are the only bytes allowed to differ. */
export function normalise(s: string, ports: number[] = []): string {
  let out = s
    .replace(/^Date: .*$/gim, 'Date: -')
    .replace(/^(x-kong-(?:upstream|proxy|response)-latency): \d+$/gim, '$1: -')
    .replace(/[0-9a-f]{32}/g, '<id>')
    .replace(/\[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]/g, '[time]');
  for (const p of ports) out = out.split(String(p)).join('<port>');
  return out;
}
