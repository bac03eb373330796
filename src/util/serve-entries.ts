// An HTTP handler served on every entry of a Kong listener list (admin_listen, status_listen):
// plain entries by one node:http server, `ssl` entries by one TLS server with the listener's
// certificate (swappable on reload), each reaching all its addresses through listenOnAll.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { listenOnAll, type Bound } from './listen-all.js';

export interface Entry { host: string; port: number; ssl?: boolean }
export interface TlsPair { certPem: string; keyPem: string }

export interface EntryServers {
  /** Every entry's address, in the order given, ports resolved. */
  addresses: { host: string; port: number; ssl: boolean }[];
  /** Each server with its extra listeners, for the owner's close. */
  servers: { server: Server; bound: Bound }[];
  /** A new certificate for the `ssl` entries (reload). */
  setTls(t: TlsPair): void;
}

const tlsOptions = (t: TlsPair) => ({ cert: t.certPem, key: t.keyPem, minVersion: 'TLSv1.2' as const });

/** `key` names the listener in the error for ssl entries without a certificate; `prepare` sees each server before it listens. */
export async function serveEntries(
  key: string,
  listens: readonly Entry[],
  tls: TlsPair | undefined,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  prepare: (server: Server) => void,
): Promise<EntryServers> {
  const plain = listens.filter((l) => !l.ssl);
  const secure = listens.filter((l) => l.ssl);
  if (secure.length > 0 && !tls) throw new Error(`${key} has ssl entries but no certificate was given`);
  const tlsServer = secure.length > 0 ? createTlsServer({ ...tlsOptions(tls!), ALPNProtocols: ['http/1.1'] }, handler) : undefined;
  const servers: { server: Server; bound: Bound }[] = [];
  const serve = async (server: Server, at: Entry[]): Promise<Bound> => {
    prepare(server);
    const bound = await listenOnAll(server, at);
    servers.push({ server, bound });
    return bound;
  };
  let plainBound: Bound | undefined;
  let tlsBound: Bound | undefined;
  try {
    if (plain.length > 0) plainBound = await serve(createServer(handler), plain);
    if (tlsServer) tlsBound = await serve(tlsServer, secure);
  } catch (err) {
    await Promise.all(servers.map(async ({ server, bound }) => {
      await bound.close();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    }));
    throw err;
  }
  const addresses = listens.map((l) => ({ ...(l.ssl ? tlsBound!.addresses[secure.indexOf(l)]! : plainBound!.addresses[plain.indexOf(l)]!), ssl: Boolean(l.ssl) }));
  return { addresses, servers, setTls: (t) => tlsServer?.setSecureContext(tlsOptions(t)) };
}
