// Emulators of Kong 3.10's cluster RPC peers, written from Kong's Lua (clustering/rpc/manager.lua,
// socket.lua, utils.lua, services/sync/rpc.lua), not from hybridctl's implementation: frames are
// snappy(cjson) with the codec checked against libsnappy, request ids start at 0, the DP's first
// frame is the plain-JSON kong.meta.v1.hello.
import WebSocket, { WebSocketServer } from 'ws';
import { createServer, type Server } from 'node:https';
import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { snappyCompress, snappyUncompress } from '../../src/cluster/protocol/snappy.js';

type Msg = Record<string, unknown>;
const frame = (m: unknown) => snappyCompress(Buffer.from(JSON.stringify(m)));
const unframe = (b: Buffer) => JSON.parse(snappyUncompress(b).toString()) as Msg | Msg[];

/** Waits for a value to show up in a growing list. */
class Inbox<T> {
  readonly items: T[] = [];
  private waiters: (() => void)[] = [];
  push(v: T): void {
    this.items.push(v);
    for (const w of this.waiters.splice(0)) w();
  }
  async find(pred: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.items.find(pred);
      if (hit !== undefined) return hit;
      if (Date.now() > end) throw new Error(`timed out waiting; have ${JSON.stringify(this.items).slice(0, 2000)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

export interface KongDpOptions {
  port: number;
  certPem: string;
  keyPem: string;
  caPem: string;
  servername: string;
  nodeId?: string;
  hostname?: string;
  version?: string;
  labels?: string[];
  encodings?: string[];
  protocols?: string[];
  /** false: never answer the CP's pings (a hung DP). */
  autoPong?: boolean;
}

/** A Kong 3.10 data plane with cluster_rpc and cluster_rpc_sync on, driven by the test. */
export class KongDp {
  readonly calls = new Inbox<Msg>();
  readonly closed: Promise<number>;
  hello: Msg | null = null;
  private nextId = 0;
  private readonly answers = new Map<number, (m: Msg) => void>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) => ws.once('close', (code) => r(code)));
  }

  /** Connects and says hello; rejects with the reason the CP gave (or how it dropped us). */
  static async connect(o: KongDpOptions): Promise<KongDp> {
    const ws = new WebSocket(`wss://127.0.0.1:${o.port}/v2/outlet`, o.protocols ?? ['kong.meta.v1'], {
      cert: o.certPem, key: o.keyPem, ca: o.caPem, servername: o.servername, perMessageDeflate: false, handshakeTimeout: 5000, autoPong: o.autoPong ?? true,
    } as WebSocket.ClientOptions);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    // Kong: the response must carry exactly this subprotocol.
    if (ws.protocol !== 'kong.meta.v1') throw new Error(`subprotocol ${ws.protocol}`);
    const dp = new KongDp(ws);
    ws.send(Buffer.from(JSON.stringify({
      jsonrpc: '2.0', method: 'kong.meta.v1.hello', id: 1,
      params: [{
        rpc_capabilities: ['kong.sync.v2'],
        rpc_frame_encodings: o.encodings ?? ['x-snappy-framed'],
        kong_version: o.version ?? '3.10.0',
        kong_hostname: o.hostname ?? 'kong-dp-1',
        kong_node_id: o.nodeId ?? '7f3c2a10-2b1e-4c8f-9d55-0a1b2c3d4e5f',
        kong_conf: { role: 'data_plane', database: 'off', cluster_dp_labels: o.labels ?? [], pg_password: '******' },
      }],
    })), { binary: true });
    dp.hello = await new Promise<Msg>((resolve, reject) => {
      ws.once('message', (d: Buffer, isBinary) => (isBinary ? resolve(JSON.parse(d.toString()) as Msg) : reject(new Error('text hello answer'))));
      ws.once('close', (code) => reject(new Error(`closed during the hello (${code})`)));
    });
    ws.on('message', (d: Buffer) => dp.onFrame(unframe(d)));
    return dp;
  }

  private onFrame(p: Msg | Msg[]): void {
    for (const m of Array.isArray(p) ? p : [p]) {
      if (typeof m.method === 'string') {
        this.calls.push(m);
        // Kong's DP answers notify_new_version with true.
        if (m.id !== undefined && m.id !== null) this.ws.send(frame({ jsonrpc: '2.0', id: m.id, result: true }));
      } else if (typeof m.id === 'number') this.answers.get(m.id)?.(m);
    }
  }

  /** A call, answered with the whole JSON-RPC response. */
  call(method: string, params: unknown[]): Promise<Msg> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${method}: no answer`)), 15_000);
      this.answers.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      this.ws.send(frame({ jsonrpc: '2.0', method, params, id }));
    });
  }

  notify(method: string, params: unknown[]): void {
    this.ws.send(frame({ jsonrpc: '2.0', method, params }));
  }

  close(): void {
    this.ws.close();
  }
}

export interface KongCpOptions {
  certPem: string;
  keyPem: string;
  /** No /v2/outlet (Kong with cluster_rpc = off): nginx answers 404. */
  noV2?: boolean;
  /** Capabilities answered in the hello (Kong with cluster_rpc_sync = off answers none). */
  capabilities?: string[];
  /** /v1/outlet: the reconfigure frame (gzip) to send after basic_info. */
  v1Payload?: () => Buffer | null;
}

/** A Kong 3.10 control plane's cluster listener (shared mode), driven by the test. */
export class KongCp {
  readonly hellos = new Inbox<Msg>();
  readonly received = new Inbox<Msg>();
  readonly v1BasicInfo = new Inbox<Msg>();
  /** Answers get_delta calls; the test sets it. */
  getDelta: (params: unknown[]) => unknown = () => ({ default: { deltas: {}, full_sync: false } });
  private sockets = new Set<WebSocket>();
  private nextId = 0;
  private constructor(readonly server: Server, readonly port: number) {}

  static async start(o: KongCpOptions): Promise<KongCp> {
    const own = createHash('sha256').update(new X509Certificate(o.certPem).raw).digest('hex');
    const server = createServer({ cert: o.certPem, key: o.keyPem, requestCert: true, rejectUnauthorized: false });
    const rpc = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (p) => (p.has('kong.meta.v1') ? 'kong.meta.v1' : false) });
    const v1 = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const cp = new KongCp(server, (server.address() as AddressInfo).port);
    server.on('upgrade', (req, socket: TLSSocket, head) => {
      // Kong's shared mode: the DP must present our own certificate.
      const peer = socket.getPeerX509Certificate();
      if (!peer || createHash('sha256').update(peer.raw).digest('hex') !== own) return socket.destroy();
      const path = (req.url ?? '').split('?')[0];
      if (path === '/v2/outlet' && !o.noV2) {
        if (!String(req.headers['sec-websocket-protocol'] ?? '').split(',').some((s) => s.trim() === 'kong.meta.v1')) return socket.destroy();
        return rpc.handleUpgrade(req, socket, head, (ws) => cp.serveRpc(ws, o.capabilities ?? ['kong.sync.v2']));
      }
      if (path === '/v1/outlet') return v1.handleUpgrade(req, socket, head, (ws) => cp.serveV1(ws, o));
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    return cp;
  }

  private serveRpc(ws: WebSocket, caps: string[]): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.once('message', (d: Buffer) => {
      const hello = JSON.parse(d.toString()) as Msg;
      this.hellos.push(hello);
      ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', result: { rpc_capabilities: caps, rpc_frame_encoding: 'x-snappy-framed' }, id: 1 })), { binary: true });
      ws.on('message', (f: Buffer) => {
        for (const m of [unframe(f)].flat()) {
          this.received.push(m);
          if (m.method === 'kong.sync.v2.get_delta' && m.id !== undefined) {
            ws.send(frame({ jsonrpc: '2.0', id: m.id, result: this.getDelta(m.params as unknown[]) }));
          }
        }
      });
    });
  }

  private serveV1(ws: WebSocket, o: KongCpOptions): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('ping', () => ws.pong());
    ws.once('message', (d: Buffer) => {
      this.v1BasicInfo.push(JSON.parse(d.toString()) as Msg);
      const payload = o.v1Payload?.();
      if (payload) ws.send(payload, { binary: true });
    });
  }

  /** Kong's notify_all_nodes: a call to every connected DP. */
  notifyNewVersion(version: string): void {
    for (const ws of this.sockets) {
      if (ws.protocol === 'kong.meta.v1') ws.send(frame({ jsonrpc: '2.0', method: 'kong.sync.v2.notify_new_version', params: [{ default: { new_version: version } }], id: this.nextId++ }));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
