// Upgrade (WebSocket) passthrough: the handshake is replayed to the chosen peer over a fresh
// TCP/TLS connection and both sockets are then piped to each other untouched.
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { CompiledConfig, ServiceTarget } from './compile.js';
import { upstreamHeaders } from './headers.js';
import type { ForwardInfo } from './headers.js';
import { MESSAGES, writeSocketError } from './responses.js';
import { chooseDestination, upstreamHost } from './upstream/target.js';

export interface TunnelJob {
  cfg: CompiledConfig;
  svc: ServiceTarget;
  req: IncomingMessage;
  client: Duplex;
  head: Buffer;
  path: string;
  preserveHost: boolean;
  info: ForwardInfo;
  /** Plugins' changes to the handshake's headers. */
  headers?: (flat: string[]) => string[];
  track(s: Duplex): void;
}

export function tunnel(job: TunnelJob): void {
  const { svc, req, client, info } = job;
  const dest = chooseDestination(job.cfg, svc, null);
  if (!dest) return writeSocketError(client, 503, MESSAGES.noPeer, info.requestId);
  const hostHeader = job.preserveHost && req.headers.host ? req.headers.host : upstreamHost(svc, dest);
  const built = upstreamHeaders(req, hostHeader, info, true);
  const headers = job.headers ? job.headers(built) : built;
  let lines = `${req.method} ${job.path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) lines += `${headers[i]}: ${headers[i + 1]}\r\n`;
  let upstream: Socket;
  try {
    upstream = svc.protocol === 'https'
      ? tlsConnect({ host: dest.host, port: dest.port, servername: dest.host })
      : netConnect({ host: dest.host, port: dest.port });
  } catch {
    // net throws on a host or port it cannot even try: this handshake fails, nothing else does.
    return writeSocketError(client, 503, MESSAGES.nameResolution, info.requestId);
  }
  job.track(upstream);
  let connected = false;
  const timer = setTimeout(() => upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), svc.connectTimeout);
  upstream.once(svc.protocol === 'https' ? 'secureConnect' : 'connect', () => {
    connected = true;
    clearTimeout(timer);
    if (dest.peer) dest.balancer!.reportSuccess(dest.peer);
    upstream.write(`${lines}\r\n`);
    if (job.head.length) upstream.write(job.head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', (err: Error & { code?: string }) => {
    clearTimeout(timer);
    if (connected) return void client.destroy();
    if (dest.peer) dest.balancer!.reportFailure(dest.peer);
    if (err.code === 'ETIMEDOUT') writeSocketError(client, 504, MESSAGES.timeout, info.requestId);
    else writeSocketError(client, 502, MESSAGES.badGateway, info.requestId);
  });
  upstream.on('close', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}
