// One data plane on /v2/outlet: the kong.meta.v1 hello, then Kong's sync v2 methods
// (clustering/rpc/manager.lua _handle_meta_call, services/sync/rpc.lua init_cp).
import type { WebSocket, RawData } from 'ws';
import type { Fields, Logger } from '../../log.js';
import { EMPTY_CONFIG_HASH } from '../protocol/hash.js';
import { ProtocolError } from '../protocol/messages.js';
import { decodeHello, encodeHelloResult, labelsOf, type HelloInfo } from '../protocol/rpc.js';
import { PreEncodedResult, RpcFailure, RpcPeer } from '../protocol/rpc-peer.js';
import { GET_DELTA, NOTIFY_NEW_VERSION, NOTIFY_VALIDATION_ERROR, SYNC_V2 } from '../protocol/sync-v2.js';
import { SYNC_STATUS, versionNumber } from '../protocol/version.js';
import type { DataPlaneRow } from './connection.js';
import type { DeltaAnswer, DeltaSource } from './delta-source.js';

export interface RpcHooks {
  log: Logger;
  cpVersion: string;
  /** Offer kong.sync.v2 (else the hello answers with no capability and the DP keeps to v1). */
  syncV2: boolean;
  source: DeltaSource;
  helloTimeoutMs: number;
  pingMs: number;
  silenceMs: number;
  maxInflated: number;
  onDataPlane(row: DataPlaneRow): void;
  onRejected(reason: string): void;
  /** After the hello: the connection is counted and, when syncing, notified of new versions. */
  onReady(c: RpcConnection): void;
  onGone(c: RpcConnection): void;
  onValidationError(c: RpcConnection, version: string, message: string): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const toData = (d: RawData): Buffer => (Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d));

/** The wire form of a get_delta answer; a full one is encoded once and shared by every DP. */
const encodedFull = new WeakMap<DeltaAnswer, PreEncodedResult>();
function answerFor(a: DeltaAnswer): unknown {
  // `wipe` is 3.9's name for full_sync; 3.10 DPs read either, older builds only `wipe`.
  if (!a.wipe) return { default: { deltas: a.deltas, full_sync: false, wipe: false } };
  let pre = encodedFull.get(a);
  if (!pre) encodedFull.set(a, (pre = new PreEncodedResult(JSON.stringify({ default: { deltas: a.deltas, full_sync: true, wipe: true } }))));
  return pre;
}

/** A validation report as one bounded line: Kong's err_t has a message and flattened errors. */
function describeError(e: unknown): string {
  if (isRecord(e)) {
    const flat = Array.isArray(e.flattened_errors) ? e.flattened_errors.length : 0;
    const msg = typeof e.message === 'string' ? e.message : JSON.stringify(e);
    return `${msg.slice(0, 800)}${flat ? ` (${flat} entities with errors)` : ''}`;
  }
  return String(e).slice(0, 800);
}

export class RpcConnection {
  info: HelloInfo | null = null;
  /** Both sides speak kong.sync.v2: this DP gets its configuration here, not on /v1/outlet. */
  syncing = false;
  validationErrors = 0;
  private peer: RpcPeer | null = null;
  private configHash = EMPTY_CONFIG_HASH;
  private readonly timer: NodeJS.Timeout;
  private done = false;
  private log: Record<'info' | 'warn' | 'error' | 'debug', (msg: string, fields?: Fields) => void>;

  constructor(readonly ws: WebSocket, private readonly addr: { ip: string; certExpiry: number }, private readonly h: RpcHooks) {
    this.log = this.logger({ ip: addr.ip });
    this.timer = setTimeout(() => this.fail('unable to handshake with client: timeout', 'rpc-hello'), h.helloTimeoutMs);
    ws.once('message', (data, isBinary) => this.onHello(toData(data), isBinary));
    ws.on('close', () => this.gone());
    ws.on('error', () => this.gone());
  }

  get nodeId(): string {
    return this.info?.kong_node_id ?? '';
  }

  private logger(fields: Fields): typeof this.log {
    const at = (level: 'info' | 'warn' | 'error' | 'debug') => (msg: string, f?: Fields) => this.h.log[level](msg, { ...fields, ...f });
    return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  }

  private onHello(data: Buffer, isBinary: boolean): void {
    clearTimeout(this.timer);
    if (this.done) return;
    let info: HelloInfo;
    try {
      info = decodeHello(data, isBinary);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.fail(`unable to handshake with client: ${err.message}`, 'rpc-hello');
    }
    this.info = info;
    this.log = this.logger({ id: info.kong_node_id, host: info.kong_hostname, ip: this.addr.ip, version: info.kong_version });
    let caps = this.h.syncV2 ? [SYNC_V2] : [];
    // Kong: sync v2 has no compatibility layer, so a DP older than the CP is left to v1.
    if (caps.length && versionNumber(this.h.cpVersion) > versionNumber(info.kong_version)) {
      this.log.info('disabling kong.sync.v2 because the data plane is older than the control plane');
      caps = [];
    }
    this.ws.send(encodeHelloResult(caps), { binary: true });
    this.syncing = caps.includes(SYNC_V2) && info.rpc_capabilities.includes(SYNC_V2);
    this.peer = new RpcPeer(this.ws, {
      handlers: caps.includes(SYNC_V2) ? {
        [GET_DELTA]: (params, ctx) => this.getDelta(params, ctx.notification),
        [NOTIFY_VALIDATION_ERROR]: (params) => this.validationError(params),
      } : {},
      pingMs: this.h.pingMs,
      silenceMs: this.h.silenceMs,
      maxInflated: this.h.maxInflated,
      log: this.log,
      onClose: (reason) => {
        if (reason) this.log.error(`RPC connection broken: ${reason}`);
        this.gone();
      },
    });
    if (this.syncing) {
      this.log.info('data plane connected', { sync: 'v2' });
      this.h.onDataPlane(this.row());
    } else {
      this.log.info('data plane connected over RPC without sync v2; it syncs over /v1/outlet', { rpc_capabilities: info.rpc_capabilities.join(',') });
    }
    this.h.onReady(this);
  }

  /** Kong's get_delta: a call answers with deltas; as a notification it is the DP's status report. */
  private async getDelta(params: unknown[], notification: boolean): Promise<unknown> {
    const ns = isRecord(params[0]) ? params[0].default : undefined;
    if (!isRecord(ns)) throw new RpcFailure('default namespace does not exist inside params');
    const version = typeof ns.version === 'string' ? ns.version : '';
    const known = this.h.source.hashOf(version);
    // The row's config_hash is the v1 hash of what the DP has, as for v1 DPs; Kong writes the version.
    this.configHash = known ?? (version.length === 32 ? version : EMPTY_CONFIG_HASH);
    this.h.onDataPlane(this.row());
    if (notification) return true;
    const answer = await this.h.source.deltasSince(version);
    if (answer.wipe) this.log.debug('full sync to the data plane', { from_version: version, version: answer.version, deltas: answer.deltas.length });
    return answerFor(answer);
  }

  private validationError(params: unknown[]): true {
    const msg = isRecord(params[0]) ? params[0] : {};
    const version = typeof msg.version === 'string' ? msg.version : 'unknown';
    const message = describeError(msg.error);
    this.validationErrors += 1;
    this.log.warn('the data plane could not apply the configuration and keeps its previous one', { sync_version: version, error: message });
    this.h.onValidationError(this, version, message);
    return true;
  }

  /** Kong's notify_all_nodes, for this DP: a call, answered with true. */
  notifyNewVersion(version: string): void {
    if (!this.syncing || !this.peer?.isOpen) return;
    this.peer.call(NOTIFY_NEW_VERSION, [{ default: { new_version: version } }]).catch((err: unknown) => {
      this.log.debug(`unable to notify the new version: ${(err as Error).message}`, { sync_version: version });
    });
  }

  row(): DataPlaneRow {
    const info = this.info!;
    return {
      id: info.kong_node_id,
      hostname: info.kong_hostname,
      ip: this.addr.ip,
      last_seen: Math.floor(Date.now() / 1000),
      config_hash: this.configHash,
      version: info.kong_version,
      sync_status: SYNC_STATUS.normal,
      labels: labelsOf(info.kong_conf),
      cert_details: { expiry_timestamp: this.addr.certExpiry },
      rpc_capabilities: info.rpc_capabilities,
    };
  }

  /** Kong ends a failed handshake with ngx.exit(444): the socket is dropped without a close frame. */
  private fail(message: string, reason: string): void {
    this.log.error(message, { reason });
    this.h.onRejected(reason);
    this.ws.terminate();
    this.gone();
  }

  close(code = 1000): void {
    if (this.peer) this.peer.close(code);
    else this.ws.terminate();
    this.gone();
  }

  private gone(): void {
    clearTimeout(this.timer);
    if (this.done) return;
    this.done = true;
    if (this.syncing) this.log.info('data plane disconnected', { sync: 'v2' });
    this.h.onGone(this);
  }
}
