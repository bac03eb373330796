// Opening a WebSocket to the control plane, for /v1/outlet and /v2/outlet alike: directly or
// through the forward proxy, TLS with this node's certificate, and shared mode's pin on the CP's.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import WebSocket from 'ws';
import { connectThroughProxy } from '../tunnel.js';
import { explain, type Explained } from './explain.js';

export interface Dialer {
  host: string;
  port: number;
  mode: 'shared' | 'pki';
  proxy?: { url: string; sslVerify: boolean; caPems?: string[] } | null;
  maxPayload: number;
  /** Read at each dial: a rotated certificate applies from the next connection on. */
  creds(): { certPem: string; keyPem: string; caPems?: string[] };
  servername(): string;
  /** SHA-256 of our own cluster_cert (shared mode pins the CP to it). */
  ownSha(): string;
  report(e: Explained): void;
}

export interface Dialed {
  ws: WebSocket;
  /** The CP showed a certificate other than ours in shared mode (already reported). */
  pinMismatch(): boolean;
}

function tlsOptions(d: Dialer) {
  const c = d.creds();
  const servername = d.servername();
  return {
    servername: isIP(servername) ? undefined : servername,
    cert: c.certPem,
    key: c.keyPem,
    ca: d.mode === 'pki' && c.caPems && c.caPems.length > 0 ? c.caPems : undefined,
    rejectUnauthorized: d.mode === 'pki',
    minVersion: 'TLSv1.2' as const,
    ALPNProtocols: ['http/1.1'],
  };
}

/**
 * A WebSocket being opened to `pathAndQuery`, or null when the forward proxy could not be reached
 * (reported). `protocols`: the Sec-WebSocket-Protocol to ask for (ws then insists on getting it).
 */
export async function dial(d: Dialer, pathAndQuery: string, protocols?: string[]): Promise<Dialed | null> {
  const { host, port } = d;
  let tunnel: Socket | TLSSocket | undefined;
  if (d.proxy) {
    try {
      tunnel = await connectThroughProxy({ proxyUrl: d.proxy.url, sslVerify: d.proxy.sslVerify, caPems: d.proxy.caPems, target: { host, port } });
    } catch (err) {
      d.report(explain(err, { servername: d.servername(), mode: d.mode }));
      return null;
    }
  }
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  let pinMismatch = false;
  const ws = new WebSocket(`wss://${authority}${pathAndQuery}`, protocols ?? [], {
    createConnection: () => {
      const t = tlsConnect({ ...tlsOptions(d), ...(tunnel ? { socket: tunnel } : { host, port }) });
      // Shared mode pins the CP to our own cluster_cert; check it as soon as the handshake shows it,
      // before the CP (which checks ours) may drop the connection.
      if (d.mode === 'shared') {
        t.once('secureConnect', () => {
          const peer = t.getPeerX509Certificate();
          if (!peer || createHash('sha256').update(peer.raw).digest('hex') !== d.ownSha()) {
            pinMismatch = true;
            d.report({
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
    maxPayload: d.maxPayload,
    handshakeTimeout: 10_000,
  });
  return { ws, pinMismatch: () => pinMismatch };
}

/** An HTTP answer instead of the upgrade: its status and the start of its body, then the socket is dropped. */
export function onHttpAnswer(ws: WebSocket, then: (status: number, body: string) => void): void {
  ws.on('unexpected-response', (_req, res) => {
    let body = '';
    // A peer's body: only its start is worth a log line.
    res.on('data', (chunk: Buffer) => {
      if (body.length < 500) body = (body + chunk.toString()).slice(0, 500);
    });
    res.on('end', () => {
      then(res.statusCode ?? 0, body.trim());
      ws.terminate();
    });
  });
}
