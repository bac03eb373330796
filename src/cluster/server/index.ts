// The control plane's cluster listener: TLS with client certificates, WebSocket at /v1/outlet,
// Kong's order of checks (certificate → query → upgrade → basic_info → version), then configs out;
// and /v2/outlet, Kong's cluster RPC with sync v2 (subprotocol → certificate → upgrade → hello).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { constants as cryptoConstants } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../log.js';
import { RuntimeError, ConfigError } from '../../errors.js';
import { parsePemBlocks } from '../../pki/pem.js';
import { parseCertificate, type Cert } from '../../pki/cert.js';
import { DEFAULT_MAX_INTERMEDIATES } from '../../pki/verify/index.js';
import { CLUSTERING_TIMEOUT_MS, DEFAULT_MAX_INFLATED, DEFAULT_MAX_PAYLOAD, OUTLET_PATH, PING_INTERVAL_MS, PING_WAIT_MS, type BasicInfoPlugin } from '../protocol/messages.js';
import { RPC_META_V1, RPC_PATH } from '../protocol/rpc.js';
import type { Compatibility } from '../protocol/version.js';
import { createOcspChecker } from '../ocsp.js';
import { authenticate, presentedChain, type AuthConfig } from './auth.js';
import { DpConnection, type DataPlaneRow } from './connection.js';
import { Pusher, type Current } from './pusher.js';
import { parseOutletQuery, rejectHttp } from './http.js';
import { FullExportDeltaSource, type DeltaSource } from './delta-source.js';
import { RpcConnection } from './rpc-connection.js';
import { listenOnAll } from '../../util/listen-all.js';

export type { DataPlaneRow } from './connection.js';
export type { DeltaSource, DeltaAnswer } from './delta-source.js';

export interface ClusterServerOptions {
  /** Every cluster_listen entry; all are TLS. */
  listen: { host: string; port: number } | { host: string; port: number }[];
  mode: 'shared' | 'pki';
  /** cluster_cert: leaf first, then its chain. */
  certPem: string;
  keyPem: string;
  /** pki: cluster_ca_cert. */
  caPems?: string[];
  maxIntermediates?: number;
  ocsp?: 'on' | 'off' | 'optional';
  maxPayload?: number;
  log: Logger;
  /** The Kong version this CP speaks as (KONG_PROTOCOL_VERSION). */
  cpVersion: string;
  current: () => Current | null;
  onDataPlane: (row: DataPlaneRow) => void;
  /**
   * Kong's check_configuration_compatibility, run before each config goes to a DP (see
   * checkConfigurationCompatibility in cluster/protocol/version). Without it every DP is "normal".
   */
  checkConfiguration?: (dpPlugins: readonly BasicInfoPlugin[]) => Compatibility;
  /** Kong's PING_WAIT; shorter values are for tests. */
  pingTimeoutMs?: number;
  /** Sync v2: Kong's CLUSTERING_PING_INTERVAL, the silence after which an RPC peer is pinged. */
  rpcPingMs?: number;
  /**
   * Offer kong.sync.v2 on /v2/outlet (default true). Off, the hello is still answered, with no
   * capability, so a DP asking for v2 falls back to v1.
   */
  syncV2?: boolean;
  /** Where get_delta answers come from; default: a full sync of current() for any other version. */
  deltaSource?: DeltaSource;
  basicInfoTimeoutMs?: number;
  ocspTimeoutMs?: number;
  ocspCacheMs?: number;
}

export interface ClusterMetricsSnapshot {
  connected: number;
  /** Of `connected`, the DPs syncing over /v2/outlet. */
  connectedV2: number;
  /** notify_validation_error reports received from sync v2 DPs. */
  validationErrors: number;
  pushes: number;
  pushLatencyMs: number[];
  rejected: Record<string, number>;
}

export interface ClusterServer {
  address: { host: string; port: number };
  /** One per cluster_listen entry. */
  addresses: { host: string; port: number }[];
  /**
   * A rotated cluster_cert/cluster_cert_key (and cluster_ca_cert, pki): new connections are served
   * and judged with them; connected data planes stay connected.
   */
  rotate(creds: { certPem: string; keyPem: string; caPems?: string[] }): void;
  /** current() changed: send it to every DP now; bursts coalesce per DP. */
  push(): void;
  /** Only the version changed for now: the DPs on sync v2 are told it (they pull its rows). */
  notifyVersion(): void;
  /** Data planes on v1, which need current() itself rather than the change log. */
  v1Connected(): number;
  connected(): number;
  metrics(): ClusterMetricsSnapshot;
  /** Close frames to every DP, then stop listening. */
  close(): Promise<void>;
}

function certsOf(pems: readonly string[], what: string): Cert[] {
  const certs = pems.flatMap((p) => parsePemBlocks(p).filter((b) => b.label === 'CERTIFICATE').map((b) => parseCertificate(b.der)));
  if (certs.length === 0) throw new ConfigError(`${what} holds no certificate; set it to a PEM file with -----BEGIN CERTIFICATE-----`);
  return certs;
}

export async function startClusterServer(opts: ClusterServerOptions): Promise<ClusterServer> {
  const log = opts.log;
  const own = certsOf([opts.certPem], 'cluster_cert')[0]!;
  let anchors = opts.mode === 'pki' ? certsOf(opts.caPems ?? [], 'cluster_ca_cert') : [];
  const ocsp = opts.mode === 'pki' ? (opts.ocsp ?? 'off') : 'off';
  const auth: AuthConfig = {
    mode: opts.mode,
    ownSha256: own.sha256,
    anchors,
    maxIntermediates: opts.maxIntermediates ?? DEFAULT_MAX_INTERMEDIATES,
    ocsp,
    ocspChecker: ocsp === 'off' ? undefined : createOcspChecker({ timeoutMs: opts.ocspTimeoutMs ?? CLUSTERING_TIMEOUT_MS, cacheMs: opts.ocspCacheMs ?? 60_000 }),
  };
  const maxPayload = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  const rejected: Record<string, number> = {};
  const reject = (reason: string) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  };
  /** Every upgraded connection, ready or still in basic_info, so close() reaches them all. */
  const all = new Set<DpConnection>();
  /** Connections that passed basic_info and the version check: the ones configs go to. */
  const clients = new Set<DpConnection>();
  const pusher = new Pusher(opts.current, maxPayload, log);
  const source = opts.deltaSource ?? new FullExportDeltaSource(opts.current);
  /** Every connection on /v2/outlet past the upgrade; `rpcCaps` what each node offered, for its v1 row. */
  const rpcAll = new Set<RpcConnection>();
  const rpcCaps = new Map<string, string[]>();
  let validationErrors = 0;
  // Kong's notify_all_nodes: every DP syncing over v2 is told the new version and pulls it.
  // Once per version: an export catching up with a version already announced is not news.
  let notified: string | null = null;
  const notifyV2 = (): void => {
    const version = source.currentVersion();
    if (!version || version === notified) return;
    notified = version;
    for (const c of rpcAll) c.notifyNewVersion(version);
  };
  const syncingV2 = () => [...rpcAll].filter((c) => c.syncing).length;
  const onDataPlane = (row: DataPlaneRow) => {
    try {
      opts.onDataPlane(row);
    } catch (err) {
      log.error(`unable to update clustering data plane status: ${(err as Error).message}`, { id: row.id });
    }
  };

  const context = (certPem: string, keyPem: string) => ({
    cert: certPem,
    key: keyPem,
    minVersion: 'TLSv1.2' as const,
    ...(opts.mode === 'pki' ? { ca: anchors.map((a) => a.pem) } : {}),
    // Resumed sessions do not carry the client's intermediates; full handshakes only.
    secureOptions: cryptoConstants.SSL_OP_NO_TICKET,
  });
  const server: Server = createServer({
    ...context(opts.certPem, opts.keyPem),
    requestCert: true,
    // The certificate is judged after the handshake so the rejection can name the reason.
    rejectUnauthorized: false,
    handshakeTimeout: 2 * CLUSTERING_TIMEOUT_MS,
  });
  server.headersTimeout = 2 * CLUSTERING_TIMEOUT_MS;
  server.requestTimeout = 2 * CLUSTERING_TIMEOUT_MS;
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false, autoPong: false });
  // Kong answers an RPC ping with an empty pong; ws echoes the (empty) payload, which is the same.
  const rpcWss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false, handleProtocols: () => RPC_META_V1 });

  server.on('request', (req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
    req.resume();
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void onUpgrade(req, socket as TLSSocket, head).catch((err: unknown) => {
      log.error(`failed to perform server side websocket handshake: ${(err as Error).message}`);
      socket.destroy();
    });
  });
  server.on('tlsClientError', (err, socket) => {
    log.debug(`TLS handshake with a data plane failed: ${err.message}`, { ip: plainIp(socket.remoteAddress) });
  });

  async function onUpgrade(req: IncomingMessage, socket: TLSSocket, head: Buffer): Promise<void> {
    const [path, query = ''] = (req.url ?? '').split('?', 2) as [string, string?];
    if (path === RPC_PATH) return onRpcUpgrade(req, socket, head);
    if (path !== OUTLET_PATH) return rejectHttp(socket, 404);
    const q = parseOutletQuery(query);
    const ip = plainIp(socket.remoteAddress);
    const peerFields = { ...(q.node_id !== undefined ? { id: q.node_id } : {}), ...(q.node_hostname !== undefined ? { host: q.node_hostname } : {}), ip, ...(q.node_version !== undefined ? { version: q.node_version } : {}) };

    const verdict = await authenticate(presentedChain(socket), auth);
    if (!verdict.ok) {
      log.error(verdict.message, { reason: verdict.reason, ...peerFields });
      reject(verdict.reason);
      // Kong answers with nginx's 444: the connection is closed without a response.
      socket.destroy();
      return;
    }
    if (verdict.warning) log.warn(verdict.warning, peerFields);
    if (q.node_id === undefined || q.node_version === undefined) {
      const what = q.node_id === undefined ? 'id' : 'version';
      log.warn(`data plane didn't pass the ${what}`, { reason: `missing-node-${what}`, ...peerFields });
      reject(`missing-node-${what}`);
      return rejectHttp(socket, 400);
    }
    if (socket.destroyed) return;
    const peer = { id: q.node_id, hostname: q.node_hostname ?? '', ip, version: q.node_version, certExpiry: Math.floor(verdict.leaf.notAfter.getTime() / 1000) };
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new DpConnection(ws, peer, {
        log,
        cpVersion: opts.cpVersion,
        basicInfoTimeoutMs: opts.basicInfoTimeoutMs ?? CLUSTERING_TIMEOUT_MS,
        pingTimeoutMs: opts.pingTimeoutMs ?? PING_WAIT_MS,
        // Kong keeps the rpc_capabilities an RPC connection of the same node recorded.
        onDataPlane: (row) => onDataPlane({ ...row, rpc_capabilities: rpcCaps.get(row.id) ?? [] }),
        checkConfiguration: opts.checkConfiguration,
        onRejected: reject,
        onReady: (c) => {
          clients.add(c);
          pusher.offer(c);
        },
        onGone: (c) => {
          clients.delete(c);
          all.delete(c);
        },
      });
      all.add(conn);
      if (closing) conn.close(1001);
    });
  }

  // Kong: the subprotocol must include kong.meta.v1, then the certificate is judged as on /v1/outlet;
  // either failing is nginx's 444 (no response). The DP's identity comes in its hello, not a query.
  async function onRpcUpgrade(req: IncomingMessage, socket: TLSSocket, head: Buffer): Promise<void> {
    const ip = plainIp(socket.remoteAddress);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '');
    if (!offered.split(',').some((p) => p.trim() === RPC_META_V1)) {
      log.error(`[rpc] unknown RPC protocol: ${offered.slice(0, 100) || 'nil'}, doesn't know how to communicate with client`, { reason: 'rpc-protocol', ip });
      reject('rpc-protocol');
      socket.destroy();
      return;
    }
    const verdict = await authenticate(presentedChain(socket), auth);
    if (!verdict.ok) {
      log.error(`[rpc] client's certificate failed validation: ${verdict.message}`, { reason: verdict.reason, ip });
      reject(verdict.reason);
      socket.destroy();
      return;
    }
    if (verdict.warning) log.warn(verdict.warning, { ip });
    if (socket.destroyed) return;
    const certExpiry = Math.floor(verdict.leaf.notAfter.getTime() / 1000);
    rpcWss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new RpcConnection(ws, { ip, certExpiry }, {
        log,
        cpVersion: opts.cpVersion,
        syncV2: opts.syncV2 ?? true,
        source,
        helloTimeoutMs: opts.basicInfoTimeoutMs ?? CLUSTERING_TIMEOUT_MS,
        pingMs: opts.rpcPingMs ?? PING_INTERVAL_MS,
        silenceMs: opts.pingTimeoutMs ?? PING_WAIT_MS,
        maxInflated: DEFAULT_MAX_INFLATED,
        onDataPlane,
        onRejected: reject,
        onReady: (c) => rpcCaps.set(c.nodeId, c.info!.rpc_capabilities),
        onGone: (c) => {
          rpcAll.delete(c);
          if (c.info && ![...rpcAll].some((o) => o.nodeId === c.nodeId)) rpcCaps.delete(c.nodeId);
        },
        onValidationError: () => void (validationErrors += 1),
      });
      rpcAll.add(conn);
      if (closing) conn.close(1001);
    });
  }

  const listens = Array.isArray(opts.listen) ? opts.listen : [opts.listen];
  const bound = await listenOnAll(server, listens).catch((err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
    const where = `${err.address ?? listens[0]!.host}:${err.port ?? listens[0]!.port}`;
    throw new RuntimeError(err.code === 'EADDRINUSE'
      ? `cannot listen on cluster_listen ${where}: address already in use; stop the other process or change cluster_listen`
      : `cannot listen on cluster_listen ${where}: ${err.message}`);
  });
  const addr = server.address();
  const address = addr && typeof addr === 'object' ? { host: addr.address, port: addr.port } : bound.addresses[0]!;

  let closing = false;
  return {
    address,
    addresses: bound.addresses,
    rotate(creds) {
      const nextOwn = certsOf([creds.certPem], 'cluster_cert')[0]!;
      const nextAnchors = opts.mode === 'pki' ? certsOf(creds.caPems ?? [], 'cluster_ca_cert') : [];
      const previous = anchors;
      anchors = nextAnchors;
      try {
        server.setSecureContext(context(creds.certPem, creds.keyPem));
      } catch (err) {
        anchors = previous;
        throw err;
      }
      auth.ownSha256 = nextOwn.sha256;
      auth.anchors = nextAnchors;
    },
    push: () => {
      pusher.changed(clients);
      notifyV2();
    },
    notifyVersion: notifyV2,
    v1Connected: () => clients.size,
    connected: () => clients.size + syncingV2(),
    metrics: () => ({ connected: clients.size + syncingV2(), connectedV2: syncingV2(), validationErrors, pushes: pusher.pushes, pushLatencyMs: [...pusher.latencyMs], rejected: { ...rejected } }),
    async close() {
      if (closing) return;
      closing = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      await bound.close();
      const sockets = [...all, ...rpcAll].map((c) => new Promise<void>((resolve) => {
        c.ws.once('close', () => resolve());
        c.close(1001);
      }));
      await Promise.race([Promise.all(sockets), new Promise((r) => setTimeout(r, 2000).unref())]);
      for (const c of [...all, ...rpcAll]) c.ws.terminate();
      server.closeAllConnections();
      wss.close();
      rpcWss.close();
      await done;
    },
  };
}

function plainIp(addr: string | undefined): string {
  return (addr ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
