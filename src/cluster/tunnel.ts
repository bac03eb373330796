// cluster_use_proxy: an HTTP CONNECT tunnel to the control plane through an http or https forward
// proxy, Basic credentials taken from proxy_server. The password never appears in an error.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';

export interface TunnelOptions {
  proxyUrl: string;
  sslVerify: boolean;
  caPems?: string[];
  target: { host: string; port: number };
  timeoutMs?: number;
}

export class TunnelError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function shown(url: URL): string {
  return `${url.protocol}//${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${url.port || 443}`;
}

export async function connectThroughProxy(o: TunnelOptions): Promise<Socket | TLSSocket> {
  let url: URL;
  try {
    url = new URL(o.proxyUrl);
  } catch {
    throw new TunnelError('proxy_server is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TunnelError(`proxy_server scheme ${url.protocol.replace(':', '')} is not supported (http or https)`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Kong's quirk, kept for parity: without a port, both http and https proxies are reached on 443.
  const port = Number(url.port || 443);
  const timeoutMs = o.timeoutMs ?? 5000;
  const where = shown(url);

  const socket: Socket | TLSSocket = await new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new TunnelError(`cannot reach forward proxy ${where}: ${err.code ?? err.message}${/certificate|self.signed|verify/i.test(err.message) ? ` (${err.message})` : ''}`));
    };
    const s =
      url.protocol === 'https:'
        ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host, rejectUnauthorized: o.sslVerify, ca: o.caPems && o.caPems.length > 0 ? o.caPems : undefined, ALPNProtocols: ['http/1.1'] }, () => done())
        : netConnect({ host, port }, () => done());
    const timer = setTimeout(() => s.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      s.off('error', onError);
      resolve(s);
    };
    s.once('error', onError);
  });

  const authority = o.target.host.includes(':') ? `[${o.target.host}]:${o.target.port}` : `${o.target.host}:${o.target.port}`;
  const headers = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`, 'Proxy-Connection: Keep-Alive'];
  if (url.username && url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.push(`Proxy-Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
  }
  socket.write(`${headers.join('\r\n')}\r\n\r\n`);

  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new TunnelError(`forward proxy ${where} did not answer CONNECT within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 16384) fail(new TunnelError(`forward proxy ${where} sent an oversized CONNECT response`));
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onErr);
      socket.off('end', onEnd);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
      if (status === 200) {
        const rest = buf.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        resolve(socket);
        return;
      }
      socket.destroy();
      const why =
        status === 407 || status === 401
          ? `proxy authentication failed (${status}): check the user and password in proxy_server (percent-encode special characters)`
          : status === 0
            ? 'not an HTTP proxy answer'
            : `CONNECT ${authority} refused with HTTP ${status}`;
      reject(new TunnelError(`forward proxy ${where}: ${why}`, status || undefined));
    };
    const onErr = (err: Error) => fail(new TunnelError(`forward proxy ${where} closed the connection: ${err.message}`));
    socket.on('data', onData);
    socket.once('error', onErr);
    const onEnd = () => fail(new TunnelError(`forward proxy ${where} closed the connection before answering CONNECT`));
    socket.once('end', onEnd);
  });
}
