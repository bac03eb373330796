// Receivers for the log plugins' output on loopback: an HTTP collector that keeps every request
// it gets, TCP and UDP listeners that keep what arrives, each closed after its describe block.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';

export interface Posted {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpCollector {
  port: number;
  posts: Posted[];
  /** Answer the next requests with this status (a collector that fails). */
  status: number;
  /** Stops listening and drops open connections (the collector goes down); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function httpCollector(port = 0): Promise<HttpCollector> {
  let server: Server | null = null;
  const c: HttpCollector = {
    port,
    posts: [],
    status: 200,
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (d: Buffer) => chunks.push(d));
        req.on('end', () => {
          c.posts.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
          res.writeHead(c.status, { 'content-type': 'text/plain' });
          // A failing collector echoes the request's headers, as some do in their error pages.
          res.end(c.status < 300 ? 'ok' : `collector says no: ${JSON.stringify(req.headers)}`);
        });
      });
      await new Promise<void>((ok) => server!.listen(c.port, '127.0.0.1', ok));
      c.port = (server.address() as AddressInfo).port;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((ok) => s.close(() => ok()));
    },
  };
  await c.start();
  return c;
}

/** Every entry the collector received, batches (JSON arrays) flattened. */
export function entriesOf(posts: Posted[], path?: string): any[] {
  return posts.filter((p) => path === undefined || p.url === path).flatMap((p) => {
    const v = JSON.parse(p.body);
    return Array.isArray(v) ? v : [v];
  });
}

export interface LineListener {
  port: number;
  /** TCP: one entry per received line; UDP: one per datagram. */
  messages: string[];
  /** TCP: how many connections were accepted. */
  connections: number;
  close(): Promise<void>;
}

export async function tcpListener(): Promise<LineListener> {
  const sockets = new Set<Socket>();
  const l: LineListener = { port: 0, messages: [], connections: 0, close: async () => undefined };
  const server = createTcpServer((s) => {
    l.connections++;
    sockets.add(s);
    let partial = '';
    s.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      l.messages.push(...parts);
    });
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  l.port = (server.address() as AddressInfo).port;
  l.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => server.close(() => ok()));
  };
  return l;
}

export async function udpListener(): Promise<LineListener> {
  const sock = createSocket('udp4');
  const l: LineListener = { port: 0, messages: [], connections: 0, close: () => new Promise<void>((ok) => sock.close(() => ok())) };
  sock.on('message', (m) => l.messages.push(m.toString()));
  await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', () => ok()));
  l.port = sock.address().port;
  return l;
}
