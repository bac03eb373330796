// One connected data plane after the upgrade: basic_info, the version check, then pings in and
// configs out (Kong's control_plane.lua handle_cp_websocket, read and write threads).
import type { WebSocket, RawData } from 'ws';
import type { DataPlaneRow as EntityDataPlaneRow } from '../../entities/index.js';
import type { Fields, Logger } from '../../log.js';
import { EMPTY_CONFIG_HASH } from '../protocol/hash.js';
import { decodeBasicInfo, parsePing, PONG_PAYLOAD, ProtocolError, type BasicInfo, type BasicInfoPlugin } from '../protocol/messages.js';
import { checkKongVersion, SYNC_STATUS, type Compatibility, type SyncStatus } from '../protocol/version.js';

/** Kong's clustering_data_planes row, as this listener fills it. */
export interface DataPlaneRow extends Omit<EntityDataPlaneRow, 'sync_status' | 'created_at' | 'updated_at' | 'ttl'> {
  sync_status: SyncStatus;
}

export interface Peer {
  id: string;
  hostname: string;
  ip: string;
  version: string;
  certExpiry: number;
}

export interface ConnectionHooks {
  log: Logger;
  cpVersion: string;
  basicInfoTimeoutMs: number;
  pingTimeoutMs: number;
  onDataPlane(row: DataPlaneRow): void;
  /** Kong's check_configuration_compatibility for the config about to be sent; absent = always fine. */
  checkConfiguration?: (dpPlugins: readonly BasicInfoPlugin[]) => Compatibility;
  onRejected(reason: string): void;
  /** Called once the DP passed basic_info and the version check: it may now receive configs. */
  onReady(c: DpConnection): void;
  onGone(c: DpConnection): void;
}

const toData = (d: RawData): Buffer => (Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d));

export class DpConnection {
  readonly peer: Peer;
  /** Hash of the last config written to this DP (not what it applied: that comes with pings). */
  sentHash: string | null = null;
  sending = false;
  dirty = false;
  private ready = false;
  private closed = false;
  private info: BasicInfo | null = null;
  private configHash = EMPTY_CONFIG_HASH;
  private syncStatus: SyncStatus = SYNC_STATUS.unknown;
  private refusedFor: string | null = null;
  private timer: NodeJS.Timeout;
  private readonly log: Record<'info' | 'warn' | 'error', (msg: string, fields?: Fields) => void>;

  constructor(readonly ws: WebSocket, peer: Peer, private readonly h: ConnectionHooks) {
    this.peer = peer;
    // Every line names the peer, as Kong's log_suffix does: [id: …, host: …, ip: …, version: …].
    const peerFields = { id: peer.id, host: peer.hostname, ip: peer.ip, version: peer.version };
    const at = (level: 'info' | 'warn' | 'error') => (msg: string, fields?: Fields) => h.log[level](msg, { ...peerFields, ...fields });
    this.log = { info: at('info'), warn: at('warn'), error: at('error') };
    this.timer = setTimeout(() => this.fail('failed to receive websocket basic info frame: timeout', 'basic-info'), h.basicInfoTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(toData(data), isBinary));
    ws.on('ping', (data) => this.onPing(toData(data)));
    ws.on('pong', (data) => this.onStray(toData(data), 'pong'));
    ws.on('close', () => this.gone());
    ws.on('error', (err) => {
      this.log.warn(`error on the connection with the data plane: ${err.message}`);
      this.gone();
    });
  }

  get isReady(): boolean {
    return this.ready && !this.closed;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.info) return this.onBasicInfo(data, isBinary);
    this.onStray(data, isBinary ? 'binary' : 'text');
  }

  private onBasicInfo(data: Buffer, isBinary: boolean): void {
    clearTimeout(this.timer);
    try {
      this.info = decodeBasicInfo(data, isBinary);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.fail(err.message, 'basic-info');
    }
    const v = checkKongVersion(this.h.cpVersion, this.peer.version);
    if (!v.ok) {
      this.syncStatus = v.status;
      this.h.onDataPlane(this.row());
      return this.fail(v.message, 'version-incompatible');
    }
    if (v.note) this.log.info(v.note);
    // Kong writes the status on the next ping; the DP pings as soon as it applied the first config.
    this.syncStatus = SYNC_STATUS.normal;
    this.ready = true;
    this.armPingTimer();
    this.log.info('data plane connected');
    this.h.onReady(this);
  }

  private onPing(data: Buffer): void {
    if (this.closed) return;
    if (!this.info) return this.fail('failed to receive websocket basic info frame: got a ping before basic_info', 'basic-info');
    const hash = parsePing(data);
    if (hash === null) return this.drop(`received a ping frame from the data plane with an invalid hash: '${data.toString('latin1')}'`);
    this.configHash = hash === '' ? EMPTY_CONFIG_HASH : hash;
    this.armPingTimer();
    this.h.onDataPlane(this.row());
    this.ws.pong(PONG_PAYLOAD);
  }

  // Kong checks the length before the type, so a 31-byte binary frame reads as a bad ping.
  private onStray(data: Buffer, typ: string): void {
    if (this.closed) return;
    if (data.length !== 32) return this.drop(`received a ping frame from the data plane with an invalid hash: '${data.toString('latin1').slice(0, 64)}'`);
    this.drop(`invalid websocket frame received from data plane: ${typ}`);
  }

  private armPingTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.drop(`did not receive ping frame from data plane within ${this.h.pingTimeoutMs / 1000} seconds`), this.h.pingTimeoutMs);
  }

  /**
   * May the current config go to this DP? An incompatible plugin set keeps the connection (pings
   * still count) but nothing is sent, and the status row says why, as Kong does.
   */
  admit(): boolean {
    const v = this.h.checkConfiguration?.(this.info?.plugins ?? []) ?? { ok: true as const, status: 'normal' as const };
    const status = v.ok ? SYNC_STATUS.normal : v.status;
    const changed = status !== this.syncStatus || (!v.ok && v.message !== this.refusedFor);
    this.syncStatus = status;
    this.refusedFor = v.ok ? null : v.message;
    // One line per change of verdict, not one per push.
    if (!v.ok && changed) this.log.warn(`unable to send updated configuration to data plane: ${v.message}`, { sync_status: status });
    if (changed) this.h.onDataPlane(this.row());
    return v.ok;
  }

  row(): DataPlaneRow {
    return {
      id: this.peer.id,
      hostname: this.peer.hostname,
      ip: this.peer.ip,
      last_seen: Math.floor(Date.now() / 1000),
      config_hash: this.configHash,
      version: this.peer.version,
      sync_status: this.syncStatus,
      labels: this.info?.labels ?? {},
      cert_details: { expiry_timestamp: this.peer.certExpiry },
    };
  }

  /** Before the DP is accepted: counts as a rejected handshake. */
  private fail(message: string, reason: string): void {
    this.log.error(message, { reason });
    this.h.onRejected(reason);
    this.close();
  }

  private drop(message: string): void {
    this.log.error(message);
    this.close();
  }

  /** Ends the connection with a close frame, as Kong's send_close(); forced if the DP does not answer. */
  close(code = 1000): void {
    if (this.closed) return;
    this.gone();
    try {
      this.ws.close(code);
    } catch {
      this.ws.terminate();
    }
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  private gone(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.closed = true;
    if (this.ready) this.log.info('data plane disconnected');
    this.h.onGone(this);
  }
}
