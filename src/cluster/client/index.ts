// The data plane's side of hybrid protocol v1: connect (directly or through a forward proxy), say
// basic_info, apply each new reconfigure, ping with the current hash, and reconnect forever.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { certificatesFrom } from '../../pki/pem.js';
import { SHARED_CN } from '../../pki/profiles.js';
import { isIP, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { Logger } from '../../log.js';
import { errorMessage } from '../../errors.js';
import { DEFAULT_MAX_PAYLOAD, OUTLET_PATH, PING_INTERVAL_MS, PING_WAIT_MS, decodeReconfigure, encodeBasicInfo, encodePing } from '../protocol/messages.js';
import { connectThroughProxy } from '../tunnel.js';
import { explain, type Explained } from './explain.js';

export interface SyncClientOptions {
  cpAddress: string;
  mode: 'shared' | 'pki';
  certPem: string;
  keyPem: string;
  caPems?: string[];
  serverName?: string;
  proxy?: { url: string; sslVerify: boolean; caPems?: string[] } | null;
  nodeId: string;
  hostname: string;
  version: string;
  labels?: Record<string, string>;
  plugins?: { name: string; version: string }[];
  log: Logger;
  currentHash: () => string | null;
  apply: (configTable: Record<string, unknown>, hash: string) => Promise<void>;
  maxPayload?: number;
  /** Largest inflated config accepted (gzip bombs); default 128 MiB. */
  maxInflated?: number;
  timers?: { pingMs?: number; silenceMs?: number; reconnectMinMs?: number; reconnectMaxMs?: number; firstConfigMs?: number };
}

export type SyncState = 'connecting' | 'connected' | 'disconnected';

export interface SyncClient {
  state(): SyncState;
  /**
   * New cluster credentials (a rotated certificate): used from the next connection on, and the
   * current one is closed and re-established with them at once.
   */
  rotate(creds: ClusterCredentials): void;
  stop(): Promise<void>;
}

export type ClusterCredentials = Pick<SyncClientOptions, 'certPem' | 'keyPem' | 'caPems' | 'serverName'>;

const DEFAULT_MAX_INFLATED = 128 * 1024 * 1024;

/**
 * Kong's config hash is an md5 in hex: anything else from a peer is refused before it is compared,
 * logged, cached or served by /status (a 1 MB "hash" would be all four). Names the length, never
 * echoes the value.
 */
export function configHashProblem(hash: unknown): string | null {
  if (typeof hash !== 'string') return `config_hash: expected a string, got ${hash === null ? 'null' : typeof hash}`;
  if (!/^[0-9a-f]{32}$/i.test(hash)) return `config_hash: expected 32 hexadecimal characters, got ${hash.length} characters${hash.length === 32 ? ' (not hexadecimal)' : ''}`;
  return null;
}

/** An error that may quote what a peer sent, as one bounded log field. */
function capped(text: string, max = 1000): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

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
  const pingMs = o.timers?.pingMs ?? PING_INTERVAL_MS;
  const silenceMs = o.timers?.silenceMs ?? PING_WAIT_MS;
  const minDelay = o.timers?.reconnectMinMs ?? 5_000;
  const maxDelay = o.timers?.reconnectMaxMs ?? 10_000;
  let state: SyncState = 'connecting';
  let stopped = false;
  let ws: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let attempt: Promise<void> = Promise.resolve();

  const report = (e: Explained) => {
    const fields = { control_plane: o.cpAddress, ...(e.fix ? { fix: e.fix } : {}) };
    if (e.permanent) log.error(`${e.message}; this will not fix itself: ${e.fix ?? 'see the control plane log'}`, fields);
    else log.warn(e.message, fields);
  };

  const scheduleReconnect = () => {
    if (stopped || retry) return;
    state = 'disconnected';
    const delay = reconnectNow ? 0 : minDelay + Math.random() * Math.max(0, maxDelay - minDelay);
    reconnectNow = false;
    log.debug('reconnecting to the control plane', { in_ms: Math.round(delay) });
    retry = setTimeout(() => {
      retry = null;
      attempt = connectOnce();
    }, delay);
    retry.unref?.();
  };

  const tlsOptions = () => ({
    servername: isIP(servername) ? undefined : servername,
    cert: creds.certPem,
    key: creds.keyPem,
    ca: o.mode === 'pki' && creds.caPems && creds.caPems.length > 0 ? creds.caPems : undefined,
    rejectUnauthorized: o.mode === 'pki',
    minVersion: 'TLSv1.2' as const,
    ALPNProtocols: ['http/1.1'],
  });

  async function connectOnce(): Promise<void> {
    if (stopped) return;
    state = 'connecting';
    let tunnel: Socket | TLSSocket | undefined;
    if (o.proxy) {
      try {
        tunnel = await connectThroughProxy({ proxyUrl: o.proxy.url, sslVerify: o.proxy.sslVerify, caPems: o.proxy.caPems, target: { host, port } });
      } catch (err) {
        report(explain(err, { servername, mode: o.mode }));
        scheduleReconnect();
        return;
      }
    }
    if (stopped) {
      tunnel?.destroy();
      return;
    }
    const q = new URLSearchParams({ node_id: o.nodeId, node_hostname: o.hostname, node_version: o.version });
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    let pinMismatch = false;
    const socket = ws = new WebSocket(`wss://${authority}${OUTLET_PATH}?${q}`, {
      createConnection: () => {
        const t = tlsConnect({ ...tlsOptions(), ...(tunnel ? { socket: tunnel } : { host, port }) });
        // Shared mode pins the CP to our own cluster_cert; check it as soon as the handshake shows it,
        // before the CP (which checks ours) may drop the connection.
        if (o.mode === 'shared') {
          t.once('secureConnect', () => {
            const peer = t.getPeerX509Certificate();
            if (!peer || createHash('sha256').update(peer.raw).digest('hex') !== ownSha) {
              pinMismatch = true;
              report({
                permanent: true,
                message: "the control plane presented a certificate other than this node's cluster_cert (shared mode pins it)",
                fix: 'shared mode needs the very same cluster_cert/cluster_cert_key on CP and DP: copy the CP pair here, or use cluster_mtls = pki',
              });
              t.destroy();
            }
          });
        }
        return t;
      },
      perMessageDeflate: false,
      maxPayload: o.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      handshakeTimeout: 10_000,
    });
    let lastSeen = Date.now();
    let pinger: NodeJS.Timeout | null = null;
    let watchdog: NodeJS.Timeout | null = null;
    let quiet: NodeJS.Timeout | null = null;
    let applying = Promise.resolve();
    const ping = () => {
      if (socket.readyState === WebSocket.OPEN) socket.ping(encodePing(o.currentHash()));
    };

    socket.on('open', () => {
      state = 'connected';
      log.info('connected to the control plane', { control_plane: o.cpAddress, sni: servername, via_proxy: Boolean(o.proxy) });
      socket.send(encodeBasicInfo({ plugins: o.plugins ?? [], labels: o.labels }), { binary: true });
      ping();
      pinger = setInterval(ping, pingMs);
      // A v1 CP that will not send this DP its config says nothing on the wire; say it here.
      quiet = setTimeout(() => {
        log.warn('connected, but the control plane has sent no configuration: it may refuse this data plane (a configured plugin missing here, or a plugin version it does not accept); see sync_status in its /clustering/data-planes', {
          plugins: (o.plugins ?? []).map((p) => p.name).join(',') || 'none',
        });
      }, o.timers?.firstConfigMs ?? 15_000);
      quiet.unref();
      watchdog = setInterval(() => {
        if (Date.now() - lastSeen > silenceMs) {
          report({ permanent: false, message: `no data from the control plane for ${Math.round(silenceMs / 1000)} s; reconnecting` });
          socket.terminate();
        }
      }, Math.min(1000, silenceMs / 3));
    });
    socket.on('pong', () => (lastSeen = Date.now()));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      lastSeen = Date.now();
      if (quiet) clearTimeout(quiet);
      if (!isBinary) {
        log.warn('ignoring a text frame from the control plane (v1 sends configurations as binary frames)');
        return;
      }
      applying = applying.then(async () => {
        try {
          // No copy: a 100k-route frame is ~10 MiB, and ws's buffer is held only until it is decoded.
          const msg = await decodeReconfigure(data, { maxInflated: o.maxInflated ?? DEFAULT_MAX_INFLATED });
          const badHash = configHashProblem(msg.config_hash);
          if (badHash) throw new Error(badHash);
          if (msg.config_hash === o.currentHash()) {
            log.debug('configuration unchanged, skipping', { config_hash: msg.config_hash });
            return;
          }
          const started = Date.now();
          await o.apply(msg.config_table, msg.config_hash);
          log.info('configuration applied', { config_hash: msg.config_hash, ms: Date.now() - started });
          ping();
        } catch (err) {
          log.error('rejected a configuration from the control plane; the previous one keeps serving', { error: capped(errorMessage(err)) });
        }
      });
    });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      // A peer's body: only its start is worth a log line.
      res.on('data', (d: Buffer) => {
        if (body.length < 500) body = (body + d.toString()).slice(0, 500);
      });
      res.on('end', () => {
        report(explain(Object.assign(new Error(`the control plane answered HTTP ${res.statusCode}${body ? `: ${body.trim()}` : ''}`), { status: res.statusCode }), { servername, mode: o.mode }));
        socket.terminate();
      });
    });
    socket.on('error', (err) => {
      if (!pinMismatch) report(explain(err, { servername, mode: o.mode }));
    });
    socket.on('close', (code, reason) => {
      if (pinger) clearInterval(pinger);
      if (watchdog) clearInterval(watchdog);
      if (quiet) clearTimeout(quiet);
      if (state === 'connected') log.warn('disconnected from the control plane; still serving the current configuration', { code, ...(reason.length > 0 ? { reason: reason.toString() } : {}) });
      ws = null;
      scheduleReconnect();
    });
  }

  attempt = connectOnce();
  return {
    state: () => state,
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
      if (s.readyState === WebSocket.OPEN) s.close(1001, 'data plane reconnecting with a new certificate');
      else s.terminate();
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      retry = null;
      await attempt.catch(() => undefined);
      const s = ws;
      if (s && s.readyState !== WebSocket.CLOSED) {
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
