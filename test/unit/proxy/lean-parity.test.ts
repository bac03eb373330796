// The lean path against the node:http path: the same raw requests through both must reach the
// upstream as the same bytes and come back to the client as the same bytes (Date, latencies,
// request ids and the proxy's own port aside), with the same access log lines.
import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { config, deadPort, quietLog } from './helpers.js';
import { startProxy } from '../../../src/proxy/server.js';
import { RawClient, normalise, rawUpstream, twoProxies, type Script } from './lean-helpers.js';
import type { AccessLogSink } from '../../../src/util/access-log.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nDate: Wed, 02 Dec 2026 06:00:00 GMT\r\n\r\nhello';

function table(port: number, extra: { read_timeout?: number; retries?: number } = {}) {
  return config({ services: [{ id: 's1', port, ...extra }], routes: [{ paths: ['/svc'], service: 's1' }] });
}

function sink(): AccessLogSink & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (l) => lines.push(l), reopen: () => undefined, close: async () => undefined, dropped: 0 };
}

/** Each raw request, on one connection per path, through both proxies: what the upstream and the client saw. */
async function both(script: Script, requests: { raw: string; bodiless?: boolean }[], extra?: { read_timeout?: number; retries?: number }) {
  const up = await rawUpstream(script);
  const got = {} as Record<'lean' | 'node', { responses: string[]; heads: string[] }>;
  const { lean, node } = await twoProxies(table(up.port, extra));
  for (const [name, p] of [['lean', lean], ['node', node]] as const) {
    const client = new RawClient(p.address.port);
    const before = up.heads.length;
    const responses: string[] = [];
    for (const r of requests) responses.push(normalise(await client.request(r.raw, r.bodiless), [p.address.port]));
    got[name] = { responses, heads: up.heads.slice(before).map((h) => normalise(h, [p.address.port])) };
  }
  return { got, up };
}

const GET = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: example.test\r\n${headers}\r\n`;

describe('lean path parity with node:http', () => {
  it('a GET with repeated, forwarded and custom headers: same upstream request, same response', async () => {
    const script: Script = () => 'HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 06:00:00 GMT\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVia: 1.1 upstream\r\nX-Kong-Request-Id: spoofed\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok';
    const { got } = await both(script, [
      { raw: GET('/svc/a/b?x=1&y=%20', 'User-Agent: t/1\r\nX-Forwarded-For: 10.0.0.1\r\nX-Real-IP: 1.1.1.1\r\nAccept: */*\r\nAccept: text/html\r\nTE: trailers\r\nX-Custom:  spaced value \t\r\n') },
      { raw: GET('/svc', 'X-Forwarded-Proto: ftp\r\n') },
      { raw: GET('/svc/ka', 'Connection: Keep-Alive\r\nAccept: */*\r\n') },
    ]);
    expect(got.lean.heads).toEqual(got.node.heads);
    expect(got.lean.responses).toEqual(got.node.responses);
    expect(got.lean.heads[0]).toContain('x-forwarded-for: 10.0.0.1, 127.0.0.1\r\n');
    expect(got.lean.responses[0]).toContain('via: 1.1 upstream, 1.1 kong/');
  });

  it('chunked and close-delimited upstream bodies are framed alike, trailers dropped', async () => {
    const script: Script = (head, socket) => {
      if (head.startsWith('GET /chunked ')) {
        socket.write('HTTP/1.1 200 OK\r\nDate: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5;ext=1\r\nhello\r\n');
        setTimeout(() => socket.write('6\r\n world\r\n0\r\nX-T: 1\r\n\r\n'), 20);
        return;
      }
      socket.end('HTTP/1.1 200 OK\r\nDate: x\r\n\r\nuntil the end');
    };
    const { got } = await both(script, [{ raw: GET('/svc/chunked') }, { raw: GET('/svc/close') }]);
    expect(got.lean.responses).toEqual(got.node.responses);
    expect(got.lean.responses[0]).toMatch(/\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n$/);
    expect(got.lean.responses[1]).toMatch(/Transfer-Encoding: chunked\r\n\r\nd\r\nuntil the end\r\n0\r\n\r\n$/);
  });

  it('HEAD, 204, 304 and an interim 103 before the answer', async () => {
    const script: Script = (head) => {
      if (head.startsWith('HEAD')) return 'HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 10\r\n\r\n';
      if (head.startsWith('GET /204 ')) return 'HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n';
      if (head.startsWith('GET /304 ')) return 'HTTP/1.1 304 Not Modified\r\nDate: x\r\nETag: "1"\r\n\r\n';
      return 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 2\r\n\r\nhi';
    };
    const { got } = await both(script, [
      { raw: `HEAD /svc HTTP/1.1\r\nHost: example.test\r\n\r\n`, bodiless: true },
      { raw: GET('/svc/204') },
      { raw: GET('/svc/304', 'If-None-Match: "1"\r\n') },
      { raw: GET('/svc/103') },
      { raw: `POST /svc/empty HTTP/1.1\r\nHost: example.test\r\n\r\n` },
    ]);
    expect(got.lean.heads).toEqual(got.node.heads);
    expect(got.lean.responses).toEqual(got.node.responses);
    expect(got.lean.heads[0]).toContain('connection: close');
    expect(got.lean.heads.at(-1)).toContain('content-length: 0');
    expect(got.lean.responses[3]).not.toContain('103');
    expect(got.lean.responses[1]).toMatch(/^HTTP\/1.1 204 No Content\r\n/);
    expect(got.lean.responses[2]).toMatch(/^HTTP\/1.1 304 Not Modified\r\n[^]*\r\n\r\n$/);
  });

  it("Kong's own answers: no route, upstream refusing, upstream too slow", async () => {
    const dead = await deadPort();
    for (const port of [dead]) {
      const { lean, node } = await twoProxies(table(port, { retries: 2 }));
      const a = normalise(await new RawClient(lean.address.port).request(GET('/nothing')), [lean.address.port]);
      const b = normalise(await new RawClient(node.address.port).request(GET('/nothing')), [node.address.port]);
      expect(a).toEqual(b);
      expect(a).toMatch(/^HTTP\/1.1 404 Not Found\r\n/);
      const c = normalise(await new RawClient(lean.address.port).request(GET('/svc')), [lean.address.port]);
      const d = normalise(await new RawClient(node.address.port).request(GET('/svc')), [node.address.port]);
      expect(c).toEqual(d);
      expect(c).toMatch(/^HTTP\/1.1 502 Bad Gateway\r\n[^]*An invalid response was received from the upstream server/);
    }
    const { got } = await both(() => undefined, [{ raw: GET('/svc/slow') }], { read_timeout: 200 });
    expect(got.lean.responses).toEqual(got.node.responses);
    expect(got.lean.responses[0]).toMatch(/^HTTP\/1.1 504 Gateway Timeout\r\n[^]*The upstream server is timing out/);
  });

  it('keeps both sides alive: one client connection, one upstream connection', async () => {
    const up = await rawUpstream(() => OK);
    const { lean } = await twoProxies(table(up.port));
    const client = new RawClient(lean.address.port);
    for (let i = 0; i < 5; i++) expect(await client.request(GET(`/svc/${i}`, i % 2 ? 'Connection: keep-alive\r\n' : ''))).toMatch(/hello$/);
    expect(up.connections).toBe(1);
    expect(client.closed).toBe(false);
  });

  it('writes the same access log lines', async () => {
    const up = await rawUpstream(() => OK);
    const lines: Record<string, string[]> = {};
    for (const lean of [true, false]) {
      const s = sink();
      const { lean: p } = await twoProxies(table(up.port), { accessLog: s, lean });
      const client = new RawClient(p.address.port);
      await client.request(GET('/svc/x?q=1', 'User-Agent: agent "quoted"\r\nReferer: http://r.test/\r\nAuthorization: Basic dXNlcjpwdw==\r\n'));
      await client.request(GET('/missing'));
      await new Promise((ok) => setTimeout(ok, 20));
      lines[String(lean)] = s.lines.filter((l) => !l.includes('"-" "-"') || l.includes('/missing')).map((l) => normalise(l));
    }
    expect(lines.true).toEqual(lines.false);
    expect(lines.true![0]).toMatch(/^127\.0\.0\.1 - user \[time\] "GET \/svc\/x\?q=1 HTTP\/1.1" 200 5 "http:\/\/r.test\/" "agent \\x22quoted\\x22" kong_request_id: "<id>"$/);
    expect(lines.true![1]).toContain('"GET /missing HTTP/1.1" 404 ');
  });

  it('a malformed head gets 400 from both', async () => {
    const up = await rawUpstream(() => OK);
    const { lean, node } = await twoProxies(table(up.port));
    const bad = 'GET /svc HTTP/1.1\r\nHost: example.test\r\nBad Header: x\r\n\r\n';
    const a = new RawClient(lean.address.port);
    const b = new RawClient(node.address.port);
    a.socket.write(bad);
    b.socket.write(bad);
    const [ra, rb] = [normalise(await a.rest()), normalise(await b.rest())];
    expect(ra).toEqual(rb);
    expect(ra).toMatch(/^HTTP\/1.1 400 Bad Request\r\n[^]*"message":"Bad request"/);
    expect(up.heads).toEqual([]);
  });

  it('a request with a body and an Upgrade request are handed to node:http, after lean requests on the same connection', async () => {
    const script: Script = (head, socket: Socket) => {
      if (/upgrade: websocket/i.test(head)) {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        socket.on('data', (d) => socket.write(d));
        return;
      }
      return OK;
    };
    const up = await rawUpstream(script);
    const { lean, node } = await twoProxies(table(up.port));
    const out: Record<string, string[]> = {};
    for (const [name, p] of [['lean', lean], ['node', node]] as const) {
      const client = new RawClient(p.address.port);
      const before = up.heads.length;
      const res = [await client.request(GET('/svc/first'))];
      res.push(await client.request('POST /svc/body HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\n\r\nhello world'));
      res.push(await client.request(GET('/svc/after')));
      const ws = new RawClient(p.address.port);
      res.push(await ws.request(GET('/svc/first')));
      res.push(await ws.request(GET('/svc/ws', 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n')));
      ws.socket.write('ping over the tunnel');
      res.push(await ws.some());
      ws.socket.destroy();
      out[name] = [...res.map((r) => normalise(r, [p.address.port])), ...up.heads.slice(before).map((h) => normalise(h, [p.address.port]))];
    }
    expect(out.lean).toEqual(out.node);
    expect(out.lean!.join('\n')).toContain('hello world');
    expect(out.lean).toContain('ping over the tunnel');
  });
});

describe('lean path failures', () => {
  it('an upstream that closes mid-body: the client connection is cut, as node:http does', async () => {
    const script: Script = (_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => socket.destroy(), 20);
    };
    const up = await rawUpstream(script);
    const { lean, node } = await twoProxies(table(up.port));
    const res: string[] = [];
    for (const p of [lean, node]) {
      const client = new RawClient(p.address.port);
      client.socket.write(GET('/svc'));
      res.push(normalise(await client.rest(), [p.address.port]));
      expect(client.closed).toBe(true);
    }
    expect(res[0]).toEqual(res[1]);
    expect(res[0]).toMatch(/partial$/);
  });

  it('a client that leaves mid-response: the upstream connection is dropped', async () => {
    const held: Socket[] = [];
    const up = await rawUpstream((_head, socket) => {
      held.push(socket);
      socket.write('HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 100000\r\n\r\nstart');
    });
    const s = sink();
    const { lean } = await twoProxies(table(up.port), { accessLog: s });
    const client = new RawClient(lean.address.port);
    client.socket.write(GET('/svc'));
    await new Promise((ok) => setTimeout(ok, 50));
    client.socket.destroy();
    for (let i = 0; i < 50 && up.closed < 1; i++) await new Promise((ok) => setTimeout(ok, 10));
    expect(up.closed).toBe(1);
    expect(s.lines.at(-1)).toMatch(/" 499 \d+ /);
  });

  it('retries a refused connection on the next target', async () => {
    const up = await rawUpstream(() => OK);
    const dead = await deadPort();
    const cfg = config({
      services: [{ id: 's1', host: 'pool.test', retries: 3 }], routes: [{ paths: ['/svc'], service: 's1' }],
      upstreams: [{ id: 'u1', name: 'pool.test' }],
      targets: [{ upstream: 'u1', target: `127.0.0.1:${dead}` }, { upstream: 'u1', target: `127.0.0.1:${up.port}` }],
    });
    const { lean } = await twoProxies(cfg);
    const client = new RawClient(lean.address.port);
    for (let i = 0; i < 4; i++) expect(await client.request(GET('/svc'))).toMatch(/^HTTP\/1.1 200 OK[^]*hello$/);
  });
});

describe('lean path lifecycle', () => {
  it('close(): idle lean and handed-over connections end at once, a request under way finishes first', async () => {
    const held: Socket[] = [];
    const up = await rawUpstream((head, socket) => {
      if (head.includes('/slow')) return void held.push(socket);
      return OK;
    });
    const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: quietLog() });
    p.swap(table(up.port));
    const idleLean = new RawClient(p.address.port);
    expect(await idleLean.request(GET('/svc'))).toMatch(/hello$/);
    const idleNode = new RawClient(p.address.port);
    expect(await idleNode.request('POST /svc HTTP/1.1\r\nHost: example.test\r\nContent-Length: 1\r\n\r\nx')).toMatch(/hello$/);
    const busy = new RawClient(p.address.port);
    busy.socket.write(GET('/svc/slow'));
    for (let i = 0; i < 50 && held.length === 0; i++) await new Promise((ok) => setTimeout(ok, 10));
    const started = Date.now();
    const closed = p.close();
    await new Promise((ok) => setTimeout(ok, 50));
    expect(idleLean.closed).toBe(true);
    expect(idleNode.closed).toBe(true);
    expect(busy.closed).toBe(false);
    held[0]!.write(OK);
    expect(await busy.response()).toMatch(/hello$/);
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
    // Its response over, that connection is ended too rather than kept alive.
    expect(await busy.rest()).toBe('');
    expect(busy.closed).toBe(true);
  });

  it('nginx counters: requests served on the lean path are counted', async () => {
    const up = await rawUpstream(() => OK);
    const { lean } = await twoProxies(table(up.port));
    const client = new RawClient(lean.address.port);
    for (let i = 0; i < 3; i++) await client.request(GET('/svc'));
    const s = lean.stats();
    expect(s.total_requests).toBe(3);
    expect(s.connections_accepted).toBe(1);
    expect(s.connections_active).toBe(1);
    expect(s.connections_writing).toBe(0);
    expect(s.connections_waiting).toBe(1);
  });
});
