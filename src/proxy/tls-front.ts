// TLS termination with the certificate chosen before the handshake starts. Node's SNICallback
// cannot do what Kong does: it copies only one certificate of the chosen context into a
// connection that still holds the listener's default, so a TLS 1.3 client offering ECDSA gets an
// ECDSA default instead of the SNI's RSA certificate, and a cert_alt is never presented. Here the
// ClientHello's server_name is read first, then the connection is wrapped with that context
// alone, and handed to the HTTP(S) or HTTP/2 server as any TLS connection it accepted.
import { TLSSocket, type SecureContext, type Server as TlsServer } from 'node:tls';
import type { Socket } from 'node:net';

/** How long a client may take to send its ClientHello. */
const HELLO_TIMEOUT_MS = 10_000;
const MAX_RECORD = 16384 + 5;

export function terminateBySni(server: TlsServer, pick: (servername: string) => SecureContext, alpn: string[]): void {
  // The server's own TLS wrapping is replaced; its HTTP side listens on 'secureConnection'.
  server.removeAllListeners('connection');
  server.on('connection', (raw: Socket) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => raw.destroy(), HELLO_TIMEOUT_MS);
    timer.unref();
    const fail = () => {
      clearTimeout(timer);
      raw.destroy();
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const name = readServerName(buf);
      if (name === undefined && buf.length < MAX_RECORD) return;
      raw.off('data', onData);
      raw.off('error', fail);
      raw.pause();
      clearTimeout(timer);
      raw.unshift(buf);
      wrap(server, raw, pick(name ?? ''), alpn);
    };
    raw.on('data', onData);
    raw.on('error', fail);
  });
}

function wrap(server: TlsServer, raw: Socket, secureContext: SecureContext, alpn: string[]): void {
  const tls = new TLSSocket(raw, { isServer: true, secureContext, ALPNProtocols: alpn, requestCert: false, rejectUnauthorized: false, server });
  const timer = setTimeout(() => tls.destroy(), HELLO_TIMEOUT_MS);
  timer.unref();
  tls.once('secure', () => {
    clearTimeout(timer);
    // What tls.Server does before it emits: HTTP/2 waits for a handshake still marked pending.
    (tls as unknown as { secureConnecting: boolean }).secureConnecting = false;
    server.emit('secureConnection', tls);
  });
  tls.on('error', () => {
    clearTimeout(timer);
    tls.destroy();
  });
}

/**
 * The server_name of a TLS ClientHello: the name, '' when there is none or this is not a
 * ClientHello, undefined while the first record is still incomplete.
 */
export function readServerName(b: Buffer): string | undefined {
  if (b.length < 5) return undefined;
  if (b[0] !== 22) return '';
  const recordEnd = 5 + b.readUInt16BE(3);
  if (b.length < recordEnd) return undefined;
  let i = 5;
  if (b[i] !== 1) return '';
  i += 4 + 2 + 32; // handshake header, client_version, random
  const skip = (lenBytes: 1 | 2): boolean => {
    if (i + lenBytes > recordEnd) return false;
    const n = lenBytes === 1 ? b[i]! : b.readUInt16BE(i);
    i += lenBytes + n;
    return i <= recordEnd;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return ''; // session_id, cipher_suites, compression_methods
  if (i + 2 > recordEnd) return '';
  const extEnd = Math.min(recordEnd, i + 2 + b.readUInt16BE(i));
  i += 2;
  while (i + 4 <= extEnd) {
    const type = b.readUInt16BE(i);
    const len = b.readUInt16BE(i + 2);
    i += 4;
    if (type === 0 && i + 5 <= extEnd && b[i + 2] === 0) {
      const n = b.readUInt16BE(i + 3);
      return i + 5 + n <= extEnd ? b.toString('latin1', i + 5, i + 5 + n) : '';
    }
    i += len;
  }
  return '';
}
