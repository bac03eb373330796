// The data plane's connection to its control plane: sync v2 on /v2/outlet when cluster_rpc_sync
// asks for it and the CP offers it, else hybrid protocol v1 on /v1/outlet; reconnects forever,
// and re-establishes the connection at once with a rotated certificate.
import { certificatesFrom } from '../../pki/pem.js';
import { SHARED_CN } from '../../pki/profiles.js';
import type WebSocket from 'ws';
import { DEFAULT_MAX_PAYLOAD, OUTLET_PATH, PING_INTERVAL_MS, PING_WAIT_MS } from '../protocol/messages.js';
import { RPC_META_V1, RPC_PATH } from '../protocol/rpc.js';
import { explain, type Explained } from './explain.js';
import type { SessionEnv, SyncClientOptions } from './session.js';
import { dial, type Dialed } from './transport.js';
import { runV1Session } from './v1-session.js';
import { runV2Session } from './v2-session.js';

export { configHashProblem, type SyncClientOptions } from './session.js';

export type SyncState = 'connecting' | 'connected' | 'disconnected';

export interface SyncClient {
  state(): SyncState;
  /** 'v1' or 'v2' while connected, else null. */
  protocol(): 'v1' | 'v2' | null;
  /**
   * New cluster credentials (a rotated certificate): used from the next connection on, and the
   * current one is closed and re-established with them at once.
   */
  rotate(creds: ClusterCredentials): void;
  stop(): Promise<void>;
}

export type ClusterCredentials = Pick<SyncClientOptions, 'certPem' | 'keyPem' | 'caPems' | 'serverName'>;

const DEFAULT_MAX_INFLATED = 128 * 1024 * 1024;

export function parseCpAddress(address: string): { host: string; port: number } {
  const bare = address.trim().replace(/^(wss?|https?):\/\//, '').replace(/\/.*$/, '');
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(bare) ?? /^([^:]+)(?::(\d+))?$/.exec(bare);
  if (!m) return { host: bare, port: 443 };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 443 };
}

export function startSyncClient(o: SyncClientOptions): SyncClient {
  const log = o.log;
  const { host, port } = parseCpAddress(o.cpAddress);
  let creds: ClusterCredentials = { certPem: o.certPem, keyPem: o.keyPem, caPems: o.caPems, serverName: o.serverName };
  let servername = '';
  let ownSha = '';
  const useCredentials = (c: ClusterCredentials) => {
    creds = c;
    servername = o.mode === 'shared' ? SHARED_CN : (c.serverName ?? host);
    ownSha = certificatesFrom({ what: 'cluster_cert', text: c.certPem })[0]!.sha256;
  };
  useCredentials(creds);
  let reconnectNow = false;
  const minDelay = o.timers?.reconnectMinMs ?? 5_000;
  const maxDelay = o.timers?.reconnectMaxMs ?? 10_000;
  let state: SyncState = 'connecting';
  let protocol: 'v1' | 'v2' | null = null;
  let stopped = false;
  let ws: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let attempt: Promise<void> = Promise.resolve();

  const report = (e: Explained) => {
    const fields = { control_plane: o.cpAddress, ...(e.fix ? { fix: e.fix } : {}) };
    if (e.permanent) log.error(`${e.message}; this will not fix itself: ${e.fix ?? 'see the control plane log'}`, fields);
    else log.warn(e.message, fields);
  };
  const dialer = {
    host, port, mode: o.mode, proxy: o.proxy, maxPayload: o.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    creds: () => creds, servername: () => servername, ownSha: () => ownSha, report,
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    state = 'disconnected';
    protocol = null;
    const delay = reconnectNow ? 0 : minDelay + Math.random() * Math.max(0, maxDelay - minDelay);
    reconnectNow = false;
    log.debug('reconnecting to the control plane', { in_ms: Math.round(delay) });
    retry = setTimeout(() => {
      retry = null;
      attempt = connectOnce();
    }, delay);
    retry.unref?.();
  };

  /** What a session gets; `socket` ties its callbacks to it, so a replaced socket's late events do nothing. */
  const envFor = (d: Dialed, which: 'v1' | 'v2'): SessionEnv => ({
    o,
    log,
    pingMs: o.timers?.pingMs ?? PING_INTERVAL_MS,
    silenceMs: o.timers?.silenceMs ?? PING_WAIT_MS,
    maxInflated: o.maxInflated ?? DEFAULT_MAX_INFLATED,
    report,
    reportError: (err) => report(explain(err, { servername, mode: o.mode })),
    pinMismatch: d.pinMismatch,
    onConnected: (fields) => {
      state = 'connected';
      protocol = which;
      log.info('connected to the control plane', { control_plane: o.cpAddress, sni: servername, via_proxy: Boolean(o.proxy), ...fields });
    },
    onClosed: (connected, code, reason) => {
      if (ws !== d.ws) return;
      if (connected) log.warn('disconnected from the control plane; still serving the current configuration', { code, ...(reason.length > 0 ? { reason } : {}) });
      ws = null;
      scheduleReconnect();
    },
  });

  async function open(path: string, protocols?: string[]): Promise<Dialed | null> {
    state = 'connecting';
    const d = await dial(dialer, path, protocols);
    if (!d) {
      scheduleReconnect();
      return null;
    }
    if (stopped) {
      d.ws.terminate();
      return null;
    }
    ws = d.ws;
    return d;
  }

  async function connectV1(): Promise<void> {
    const q = new URLSearchParams({ node_id: o.nodeId, node_hostname: o.hostname, node_version: o.version });
    const d = await open(`${OUTLET_PATH}?${q}`);
    if (d) runV1Session(d.ws, envFor(d, 'v1'));
  }

  async function connectOnce(): Promise<void> {
    if (stopped) return;
    if (!o.rpcSync) return connectV1();
    // Kong's rpc manager: no query string, the node's identity travels in the hello.
    const d = await open(RPC_PATH, [RPC_META_V1]);
    if (!d) return;
    runV2Session(d.ws, {
      ...envFor(d, 'v2'),
      onNoV2: (reason) => {
        if (ws !== d.ws || stopped) return;
        log.info(`${reason}; using hybrid protocol v1`, { control_plane: o.cpAddress });
        ws = null;
        attempt = connectV1();
      },
    });
  }

  attempt = connectOnce();
  return {
    state: () => state,
    protocol: () => protocol,
    rotate(c) {
      useCredentials(c);
      if (stopped) return;
      if (retry) {
        clearTimeout(retry);
        retry = null;
        attempt = connectOnce();
        return;
      }
      const s = ws;
      if (!s) return;
      reconnectNow = true;
      log.info('reconnecting to the control plane with the new cluster certificate', { control_plane: o.cpAddress });
      if (s.readyState === s.OPEN) s.close(1001, 'data plane reconnecting with a new certificate');
      else s.terminate();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      await attempt.catch(() => undefined);
      const s = ws;
      if (s && s.readyState !== s.CLOSED) {
        await new Promise<void>((done) => {
          s.once('close', () => done());
          s.close(1001, 'data plane stopping');
          setTimeout(() => {
            s.terminate();
            done();
          }, 2000).unref();
        });
      }
      state = 'disconnected';
    },
  };
}
