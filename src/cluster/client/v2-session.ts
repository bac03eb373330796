// One /v2/outlet connection from the data plane: the kong.meta.v1 hello, then sync v2 over
// JSON-RPC (Kong: clustering/rpc/manager.lua connect and _meta_call, services/sync/init.lua).
// A control plane that has no /v2/outlet, or does not offer kong.sync.v2, hands over to v1.
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { CLUSTERING_TIMEOUT_MS } from '../protocol/messages.js';
import { decodeHelloResult, encodeHello, RPC_SNAPPY_FRAMED } from '../protocol/rpc.js';
import { RpcPeer } from '../protocol/rpc-peer.js';
import { NOTIFY_NEW_VERSION, SYNC_V2 } from '../protocol/sync-v2.js';
import { capped, type SessionEnv } from './session.js';
import { onHttpAnswer } from './transport.js';
import { V2Syncer } from './v2-sync.js';

export interface V2Env extends SessionEnv {
  /** The control plane does not sync over v2: use v1 now (this connection is being closed). */
  onNoV2(reason: string): void;
}

const toData = (d: RawData): Buffer => (Buffer.isBuffer(d) ? d : Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d));

export function runV2Session(ws: WebSocket, env: V2Env): void {
  const { o, log } = env;
  let connected = false;
  let handedOver = false;
  let peer: RpcPeer | null = null;
  let syncer: V2Syncer | null = null;
  let helloTimer: NodeJS.Timeout | undefined;
  const noV2 = (reason: string) => {
    if (handedOver || connected) return;
    handedOver = true;
    env.onNoV2(reason);
  };
  // Kong's DP never falls back when /v2/outlet is missing (it retries RPC forever and never syncs);
  // an HTTP answer or a missing subprotocol means this CP has no sync v2, so v1 is used instead.
  onHttpAnswer(ws, (status) => noV2(`the control plane answered HTTP ${status} on /v2/outlet`));
  ws.on('error', (err) => {
    if (handedOver || env.pinMismatch()) return;
    if (/subprotocol/i.test(err.message)) return noV2(`the control plane did not answer with the kong.meta.v1 subprotocol (${err.message})`);
    if (!connected) env.reportError(err);
  });
  ws.on('close', (code, reason) => {
    clearTimeout(helloTimer);
    syncer?.stop();
    if (!handedOver) env.onClosed(connected, code, reason.toString());
  });

  ws.on('open', () => {
    ws.send(encodeHello({
      rpc_capabilities: [SYNC_V2],
      rpc_frame_encodings: [RPC_SNAPPY_FRAMED],
      kong_version: o.version,
      kong_hostname: o.hostname,
      kong_node_id: o.nodeId,
      kong_conf: o.confForHello ?? { role: 'data_plane', ...(o.labels ? { cluster_dp_labels: Object.entries(o.labels).map(([k, v]) => `${k}:${v}`) } : {}) },
    }), { binary: true });
    helloTimer = setTimeout(() => {
      env.report({ permanent: false, message: 'unable to handshake with the control plane on /v2/outlet: timeout' });
      ws.terminate();
    }, CLUSTERING_TIMEOUT_MS);
    ws.once('message', (data, isBinary) => onHelloAnswer(toData(data), isBinary));
  });

  function onHelloAnswer(data: Buffer, isBinary: boolean): void {
    clearTimeout(helloTimer);
    let caps: string[];
    try {
      caps = decodeHelloResult(data, isBinary).rpc_capabilities;
    } catch (err) {
      env.report({ permanent: false, message: `unable to handshake with the control plane on /v2/outlet: ${capped((err as Error).message, 300)}` });
      ws.close(1002);
      return;
    }
    if (!caps.includes(SYNC_V2)) {
      // Kong's DP logs both lines, keeps the RPC connection for other services and runs v1.
      log.warn('rpc sync is disabled in CP.');
      log.warn('sync v1 is enabled due to rpc sync can not work.');
      noV2('the control plane does not offer kong.sync.v2');
      ws.close(1000);
      return;
    }
    connected = true;
    peer = new RpcPeer(ws, {
      handlers: { [NOTIFY_NEW_VERSION]: (params) => syncer!.onNotify(params) },
      pingMs: env.pingMs,
      silenceMs: env.silenceMs,
      maxInflated: env.maxInflated,
      log,
      onClose: (reason) => {
        if (reason) env.report({ permanent: false, message: `${reason}; reconnecting` });
      },
    });
    syncer = new V2Syncer(peer, o, log, env.pingMs);
    env.onConnected({ sync: 'v2' });
    syncer.sync();
  }
}
