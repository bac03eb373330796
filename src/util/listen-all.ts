// One server answering on every entry of a Kong listener list: the server listens on the first
// address, and each further address is a plain socket listener handing its connections to it, so
// TLS, HTTP and the connection tracking of close() are the server's own on every address.
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { listenOn } from './listen.js';

export interface Bound {
  /** The address of each entry, in the order given, ports resolved. */
  addresses: { host: string; port: number }[];
  /** Stops the extra listeners (the server itself is closed by its owner). */
  close(): Promise<void>;
}

export async function listenOnAll(server: NetServer, at: readonly { host: string; port: number }[]): Promise<Bound> {
  const [first, ...rest] = at;
  if (!first) throw new Error('no address to listen on');
  const a = await listenOn(server, first);
  const extra: NetServer[] = [];
  const addresses = [{ host: first.host, port: a.port }];
  const close = () => Promise.all(extra.map((s) => new Promise<void>((ok) => s.close(() => ok())))).then(() => undefined);
  try {
    for (const l of rest) {
      const s = createNetServer({ pauseOnConnect: false }, (sock) => server.emit('connection', sock));
      const b: AddressInfo = await listenOn(s, l);
      extra.push(s);
      addresses.push({ host: l.host, port: b.port });
    }
  } catch (err) {
    await close();
    await new Promise<void>((ok) => server.close(() => ok()));
    throw err;
  }
  return { addresses, close };
}
