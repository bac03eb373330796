// One side of a cluster RPC connection after the hello: JSON-RPC 2.0 calls and notifications both
// ways, batches, and Kong's liveness (ping after 30 s of silence, drop after 45 s), as
// clustering/rpc/socket.lua runs it. The CP and the DP use the same class, so they cannot drift.
import type { WebSocket, RawData } from 'ws';
import { ProtocolError } from './messages.js';
import { SnappyPrefix, snappyUncompress } from './snappy.js';
import { decodeRpcFrame, encodeRpcFrame, JSONRPC_VERSION, RPC_CALL_TIMEOUT_MS, RPC_ERRORS, rpcError, type RpcId, type RpcResponse } from './rpc.js';

/** A handler's refusal: answered as Kong's SERVER_ERROR with this message. */
export class RpcFailure extends Error {
  readonly code: number;
  constructor(message: string, code: number = RPC_ERRORS.server) {
    super(message);
    this.name = 'RpcFailure';
    this.code = code;
  }
}

/**
 * A result serialised and compressed once for many peers (a full sync sent to every DP): each
 * answer only adds its id.
 */
export class PreEncodedResult {
  private readonly prefix: SnappyPrefix;
  constructor(resultJson: string) {
    this.prefix = new SnappyPrefix(Buffer.from(`{"jsonrpc":"${JSONRPC_VERSION}","result":${resultJson}`, 'utf8'));
  }
  frameFor(id: RpcId): Buffer {
    return this.prefix.withTail(Buffer.from(`,"id":${JSON.stringify(id)}}`, 'utf8'));
  }
  get size(): number {
    return this.prefix.size;
  }
}

/** `notification`: the peer wants no answer, so nothing needs computing for one. */
export type RpcHandler = (params: unknown[], ctx: { notification: boolean }) => unknown;

export interface RpcPeerOptions {
  handlers: Record<string, RpcHandler>;
  /** Kong's CLUSTERING_PING_INTERVAL: ping after this much silence. */
  pingMs: number;
  /** Kong's PING_WAIT: drop the peer after this much silence. */
  silenceMs: number;
  maxInflated: number;
  log: { warn(msg: string, f?: Record<string, unknown>): void; debug(msg: string, f?: Record<string, unknown>): void; error(msg: string, f?: Record<string, unknown>): void };
  /** Once, when the connection is gone; `reason` is set when this side ended it. */
  onClose(reason: string | null): void;
}

const toData = (d: RawData): Buffer => (Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// JSON-RPC ids are numbers or strings; Kong's start at 0, which is an id like any other.
const hasId = (m: Record<string, unknown>) => typeof m.id === 'number' || typeof m.id === 'string';

export class RpcPeer {
  private nextId = 0;
  private readonly pending = new Map<RpcId, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private lastSeen = Date.now();
  private lastPing = 0;
  private readonly watchdog: NodeJS.Timeout;
  private closed = false;

  constructor(readonly ws: WebSocket, private readonly o: RpcPeerOptions) {
    const seen = () => (this.lastSeen = Date.now());
    ws.on('message', (data, isBinary) => {
      seen();
      this.onFrame(toData(data), isBinary);
    });
    ws.on('ping', seen);
    ws.on('pong', seen);
    ws.on('close', () => this.gone(null));
    ws.on('error', (err) => {
      o.log.warn(`RPC connection error: ${err.message}`);
      this.gone(null);
    });
    this.watchdog = setInterval(() => this.tick(), Math.max(50, Math.min(1000, o.silenceMs / 5)));
    this.watchdog.unref();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private tick(): void {
    const quiet = Date.now() - this.lastSeen;
    if (quiet > this.o.silenceMs) return this.close(1000, `did not receive ping frame from other end within ${Math.round(this.o.silenceMs / 1000)} seconds`);
    if (quiet > this.o.pingMs && Date.now() - this.lastPing >= Math.min(5000, this.o.pingMs)) {
      this.lastPing = Date.now();
      try {
        this.ws.ping();
      } catch {
        // the close event follows
      }
    }
  }

  /** Resolves with the peer's result; rejects with its error, a timeout or the connection's end. */
  call(method: string, params: unknown[], timeoutMs = RPC_CALL_TIMEOUT_MS): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the RPC connection is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs / 1000} seconds`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.send({ jsonrpc: JSONRPC_VERSION, method, params, id });
    });
  }

  notify(method: string, params: unknown[]): void {
    if (!this.closed) this.send({ jsonrpc: JSONRPC_VERSION, method, params });
  }

  private send(msg: unknown): void {
    this.sendRaw(encodeRpcFrame(msg));
  }

  private sendRaw(frame: Buffer): void {
    if (this.closed) return;
    this.ws.send(frame, { binary: true, compress: false }, (err) => {
      if (err) this.o.log.debug(`could not send an RPC frame: ${err.message}`);
    });
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    // Kong asserts binary frames and a decodable payload: anything else ends the connection.
    if (!isBinary) return this.close(1003, 'RPC connection broken: text frame received');
    let payload: unknown;
    try {
      payload = decodeRpcFrame(data, this.o.maxInflated);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.close(1007, `RPC connection broken: ${err.message}`);
    }
    if (!Array.isArray(payload)) {
      void this.process(payload).then((r) => r && this.reply(r));
      return;
    }
    if (payload.length === 0) return this.send(rpcError(null, RPC_ERRORS.invalidRequest, 'empty batch array'));
    // A batch is answered with one array of the answers its calls need (none for notifications).
    void Promise.all(payload.map((m) => this.process(m))).then((answers) => {
      const list = answers.filter((a): a is RpcResponse | { pre: PreEncodedResult; id: RpcId } => a !== null);
      if (list.length === 0) return;
      // Pre-encoded answers are unpacked again for a batch: Kong itself never batches.
      this.send(list.map((a) => ('pre' in a ? (JSON.parse(snappyUncompress(a.pre.frameFor(a.id)).toString('utf8')) as RpcResponse) : a)));
    });
  }

  private reply(r: RpcResponse | { pre: PreEncodedResult; id: RpcId }): void {
    if ('pre' in r) this.sendRaw(r.pre.frameFor(r.id));
    else this.send(r);
  }

  /** One message: a call or notification to dispatch, or an answer to one of ours. */
  private async process(m: unknown): Promise<RpcResponse | { pre: PreEncodedResult; id: RpcId } | null> {
    if (!isRecord(m) || m.jsonrpc !== JSONRPC_VERSION) return rpcError(null, RPC_ERRORS.invalidRequest, 'not a valid object');
    const id = hasId(m) ? (m.id as RpcId) : null;
    if (typeof m.method === 'string') {
      const handler = Object.hasOwn(this.o.handlers, m.method) ? this.o.handlers[m.method] : undefined;
      if (!handler) {
        if (id === null) {
          this.o.log.debug(`unable to find RPC notify call: ${m.method}`);
          return null;
        }
        return rpcError(id, RPC_ERRORS.methodNotFound);
      }
      try {
        const result = await handler(Array.isArray(m.params) ? m.params : [], { notification: id === null });
        if (id === null) return null;
        if (result instanceof PreEncodedResult) return { pre: result, id };
        return { jsonrpc: JSONRPC_VERSION, id, result: result === undefined ? true : result };
      } catch (err) {
        const code = err instanceof RpcFailure ? err.code : RPC_ERRORS.server;
        if (!(err instanceof RpcFailure)) this.o.log.warn(`RPC callback failed: ${(err as Error).message}`, { method: m.method });
        return id === null ? null : rpcError(id, code, (err as Error).message);
      }
    }
    if (id === null) {
      if (isRecord(m.error)) this.o.log.error(`RPC failed, code: ${String(m.error.code)}, err: ${String(m.error.message)}`);
      return null;
    }
    const waiting = this.pending.get(id);
    if (!waiting) {
      this.o.log.debug(`no interest for RPC response id: ${String(id)}, dropping it`);
      return null;
    }
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    // Kong's future: a result that is not there (or false) is an error.
    if (m.result !== undefined && m.result !== null && m.result !== false) waiting.resolve(m.result);
    else waiting.reject(new RpcFailure(isRecord(m.error) ? String(m.error.message) : 'no result', isRecord(m.error) && typeof m.error.code === 'number' ? m.error.code : RPC_ERRORS.server));
    return null;
  }

  /** Ends the connection with a close frame; `reason` is logged by the owner's onClose. */
  close(code = 1000, reason: string | null = null): void {
    if (this.closed) return;
    try {
      this.ws.close(code);
    } catch {
      this.ws.terminate();
    }
    setTimeout(() => this.ws.terminate(), 2000).unref();
    this.gone(reason);
  }

  private gone(reason: string | null): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('the RPC connection closed'));
    }
    this.pending.clear();
    this.o.onClose(reason);
  }
}
