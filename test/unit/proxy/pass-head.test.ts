// Upstream response heads the lean path passes on as their bytes (src/proxy/lean/pass-head.ts):
// which heads it takes, and that a client gets the same bytes through it as through node:http
// for any head, taken or not.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { resolve } from 'node:path';
import { PassedHead, passHead } from '../../../src/proxy/lean/pass-head.js';
import { BUNDLED } from '../../../src/plugins/registry.js';
import { loadJsPlugins } from '../../../src/plugins/js/load.js';
import { config } from './helpers.js';
import { RawClient, normalise, rawUpstream, twoProxies } from './lean-helpers.js';

function scan(head: string): PassedHead | null {
  const buf = Buffer.from(`${head}\r\n\r\nbody`, 'latin1');
  const out = new PassedHead();
  return passHead(buf, buf.indexOf('\r\n\r\n'), out) ? out : null;
}

const kept = (head: string, h: PassedHead) => {
  const buf = Buffer.from(`${head}\r\n\r\n`, 'latin1');
  const parts: string[] = [];
  for (let i = 0; i < h.count; i++) parts.push(buf.toString('latin1', h.ranges[2 * i], h.ranges[2 * i + 1]));
  return parts.join('');
};

describe('passHead', () => {
  it('takes a canonical head: lines kept as they are, hop-by-hop ones and a spoofed request id dropped', () => {
    const head = 'HTTP/1.1 201 Created\r\nServer: up\r\nConnection: Close\r\nContent-Length: 12\r\nKeep-Alive: timeout=5\r\nX-A: 1\r\nVIA: 1.0 a\r\nX-Kong-Request-Id: spoofed\r\nvia: 1.0 b\r\ndate: x\r\nSet-Cookie: a=1';
    const h = scan(head)!;
    expect(h).not.toBeNull();
    expect([h.status, h.length, h.close, h.date, h.via]).toEqual([201, 12, true, true, '1.0 a, 1.0 b']);
    expect(kept(head, h)).toBe('Server: up\r\nContent-Length: 12\r\nX-A: 1\r\ndate: x\r\nSet-Cookie: a=1\r\n');
    expect(h.kept).toBe(kept(head, h).length);
    expect(h.count).toBe(4);
  });

  it('a status line without a reason phrase, and an empty value', () => {
    expect(scan('HTTP/1.1 200\r\nContent-Length: 0\r\nX-Empty: ')?.status).toBe(200);
  });

  // Each of these is the string parser's: it trims, frames, refuses or skips them.
  it.each([
    ['HTTP/1.0', 'HTTP/1.0 200 OK\r\nContent-Length: 1'],
    ['an interim status', 'HTTP/1.1 103 Early Hints\r\nLink: </a>'],
    ['204', 'HTTP/1.1 204 No Content\r\nContent-Length: 0'],
    ['304', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 3'],
    ['no Content-Length', 'HTTP/1.1 200 OK\r\nServer: up'],
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked'],
    ['two Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 1x'],
    ['a Content-Length of 16 digits', 'HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000'],
    ['no space after the colon', 'HTTP/1.1 200 OK\r\nContent-Length:1'],
    ['two spaces after the colon', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A:  1'],
    ['a tab after the colon', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A:\t1'],
    ['a trailing blank', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A: 1 '],
    ['a bare LF in a value', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A: 1\nX-B: 2'],
    ['a control character in a value', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX-A: a\x01b'],
    ['a space in a name', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nX A: 1'],
    ['an empty name', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n: 1'],
    ['a bare LF in the reason phrase', 'HTTP/1.1 200 O\nK\r\nContent-Length: 1'],
    ['a status of two digits', 'HTTP/1.1 20 OK\r\nContent-Length: 1'],
  ])('leaves %s to the string parser', (_why, head) => {
    expect(scan(head)).toBeNull();
  });
});

// Header lines as upstreams write them, canonical or not, and the names the proxy treats specially.
const NAME = fc.constantFrom('Server', 'X-Custom', 'Set-Cookie', 'Via', 'via', 'Connection', 'Keep-Alive', 'Date', 'X-Kong-Request-Id',
  'Proxy-Connection', 'Trailer', 'Upgrade', 'Content-Type', 'x-a', 'Cache-Control', 'X-Goodbye', 'x-goodbye', 'X-Goodbyf');
const VALUE = fc.stringMatching(/^[ -~\x80-\xff]{0,12}$/);
const SEP = fc.constantFrom(': ', ': ', ': ', ':', ':  ', ':\t');
const LINE = fc.tuple(NAME, SEP, VALUE).map(([n, s, v]) => `${n}${s}${v}\r\n`);

// Routes: none with plugins; goodbye.js (sets x-goodbye on the response in access, no response
// phase); goodbye.js with correlation-id echoing downstream (a header_filter: the head is rebuilt).
function table(port: number): ConfigTable {
  const t = config({ services: [{ id: 's1', port }], routes: [
    { id: 'r1', paths: ['/svc'], service: 's1' }, { id: 'r2', paths: ['/bye'], service: 's1' }, { id: 'r3', paths: ['/both'], service: 's1' },
  ] });
  const plugin = (id: string, name: string, route: string, cfg: Record<string, unknown>) => ({ id, name, route, enabled: true, protocols: ['http', 'https'], config: cfg });
  t.plugins = [
    plugin('p1', 'goodbye', 'r2', { message: 'goodbye', status: 403 }),
    plugin('p2', 'goodbye', 'r3', { message: 'both', status: 403 }),
    plugin('p3', 'correlation-id', 'r3', { header_name: 'X-Cid', generator: 'tracker', echo_downstream: true }),
  ];
  return t;
}

describe('lean path pass-through against node:http', () => {
  it('any upstream head with a length, with and without plugins: the same client bytes through both', async () => {
    let body = 'x';
    let head = '';
    const up = await rawUpstream(() => `${head}\r\n${body}`);
    const js = loadJsPlugins({ dirs: [{ dir: resolve('examples/js-plugins'), key: 'js_plugins_directory' }], timeoutMs: 5000 });
    const plugins = new Map([...BUNDLED, ...js.modules].map((m) => [m.name, m]));
    const { lean, node } = await twoProxies(table(up.port), { plugins });
    const clients = [new RawClient(lean.address.port), new RawClient(node.address.port)];
    let passed = 0;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(200, 201, 404, 500, 599), fc.constantFrom(' OK', '', ' Whatever Reason'), fc.array(LINE, { maxLength: 8 }), fc.nat(3),
      fc.string({ maxLength: 6 }), fc.boolean(), fc.constantFrom('/svc', '/bye', '/both'),
      async (status, reason, lines, at, text, upper, path) => {
        body = text;
        const length = `${upper ? 'Content-Length' : 'content-length'}: ${Buffer.byteLength(text, 'latin1')}\r\n`;
        const all = [...lines.slice(0, at), length, ...lines.slice(at)];
        head = `HTTP/1.1 ${status}${reason}\r\n${all.join('')}`;
        if (path !== '/both' && scan(head.slice(0, -2))) passed++;
        const got: string[] = [];
        for (const [i, c] of clients.entries()) {
          // A response that closes the upstream connection: the next one goes on a new connection.
          // correlation-id's tracker names the connection and the time.
          got.push(normalise(await c.request(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`), [[lean, node][i]!.address.port]).replace(/^X-Cid: .*$/gim, 'X-Cid: -'));
        }
        expect(got[0]).toBe(got[1]);
        if (path === '/bye' && got[0]!.startsWith('HTTP/1.1 2')) expect(got[0]!.match(/^x-goodbye:.*$/gim)).toEqual(['x-goodbye: goodbye']);
      },
    ), { numRuns: 300 });
    // The property said something about the bytes-as-they-came path, not only the parser's.
    expect(passed).toBeGreaterThan(40);
  });
});
