// The pieces behind certificates by SNI: the ClientHello reader, Kong's certificate lookup order,
// routes' snis in the router, and an in-process ssl listener speaking HTTP/1.1 and HTTP/2.
import { beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
import { connect as h2connect } from 'node:http2';
import { request } from 'node:https';
import { readServerName } from '../../../src/proxy/tls-front.js';
import { buildCertIndex } from '../../../src/proxy/tls-contexts.js';
import { Router } from '../../../src/proxy/router/router.js';
import { startProxy } from '../../../src/proxy/server.js';
import { createLogger } from '../../../src/log.js';
import { serverPair, type Pair } from '../../helpers/tls-certs.js';
import { request as routerRequest, route } from './router/helpers.js';

/** The first bytes a real Node client sends: its ClientHello. */
async function clientHello(servername?: string): Promise<Buffer> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((resolve) => srv.once('connection', (s) => s.once('data', (d: Buffer) => { resolve(d); s.destroy(); })));
  const c = connect({ host: '127.0.0.1', port: (srv.address() as AddressInfo).port, servername, rejectUnauthorized: false });
  c.on('error', () => undefined);
  const hello = await got;
  c.destroy();
  srv.close();
  return hello;
}

let def: Pair, rsa: Pair;
beforeAll(async () => {
  [def, rsa] = await Promise.all([serverPair('default.test', 'ec'), serverPair('rsa.test', 'rsa')]);
});

describe('readServerName', () => {
  it('reads the server_name of a real ClientHello, none when absent, and waits for a whole record', async () => {
    const hello = await clientHello('api.example.test');
    expect(readServerName(hello)).toBe('api.example.test');
    expect(readServerName(hello.subarray(0, hello.length - 1))).toBeUndefined();
    expect(readServerName(hello.subarray(0, 3))).toBeUndefined();
    expect(readServerName(await clientHello(undefined))).toBe('');
    expect(readServerName(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBe('');
  });
});

describe("Kong's certificate lookup (runloop/certificate.lua find_certificate)", () => {
  it('exact name, then *.rest, then first.*, then the * SNI; no SNI gets the default', async () => {
    const fallback = createSecureContext({ cert: def.cert, key: def.key });
    const pairs = await Promise.all(['c0', 'c1', 'c2', 'c3'].map((n) => serverPair(`${n}.test`, 'ec')));
    const id = (i: number) => `0000000${i}-0000-4000-8000-000000000000`;
    const table = {
      certificates: pairs.map((p, i) => ({ id: id(i), cert: p.cert, key: p.key })),
      snis: [
        // Each certificate also has a plain name, so a lookup can be compared with a known one.
        ...pairs.map((_, i) => ({ name: `c${i}.test`, certificate: id(i) })),
        { name: 'a.example.test', certificate: id(0) },
        { name: '*.example.test', certificate: id(1) },
        { name: 'www.example.*', certificate: id(2) },
        { name: '*', certificate: id(3) },
      ],
    };
    const idx = buildCertIndex(table, fallback);
    const cert = (i: number): SecureContext => idx.pick(`c${i}.test`);
    expect(idx.failed).toEqual([]);
    expect(new Set([0, 1, 2, 3].map(cert)).size).toBe(4);
    expect(idx.pick('A.Example.Test')).toBe(cert(0));
    expect(idx.pick('b.example.test')).toBe(cert(1));
    expect(idx.pick('www.example.org')).toBe(cert(2));
    // `*.example.test` stands for one label: two more fall through to the `*` SNI.
    expect(idx.pick('x.b.example.test')).toBe(cert(3));
    expect(idx.pick('other.test')).toBe(cert(3));
    expect(idx.pick('')).toBe(fallback);
    // A swap that keeps a certificate reuses its context; a changed one gets a new one.
    const same = buildCertIndex(table, fallback, idx);
    expect(same.pick('c0.test')).toBe(cert(0));
    const changed = buildCertIndex({ ...table, certificates: table.certificates.map((c, i) => (i === 0 ? { ...c, cert: rsa.cert, key: rsa.key } : c)) }, fallback, idx);
    expect(changed.pick('c0.test')).not.toBe(cert(0));
    expect(changed.pick('c1.test')).toBe(cert(1));
  });

  it('names a certificate that cannot be loaded and gives its SNIs the default, without its key in the error', () => {
    const fallback = createSecureContext({ cert: def.cert, key: def.key });
    const broken = `${rsa.key.slice(0, 120)}\n-----END PRIVATE KEY-----\n`;
    const idx = buildCertIndex({ certificates: [{ id: 'c1', cert: rsa.cert, key: broken }], snis: [{ name: 'x.test', certificate: 'c1' }] }, fallback);
    expect(idx.failed.map((f) => f.id)).toEqual(['c1']);
    expect(idx.failed[0]!.error).not.toContain(rsa.key.split('\n')[1]!.slice(0, 40));
    expect(idx.pick('x.test')).toBe(fallback);
  });
});

describe("routes' snis (Kong: router/transform.lua tls.sni)", () => {
  const router = new Router([
    route({ id: '00000000-0000-4000-8000-0000000000a1', snis: ['api.test'], paths: ['/'] }),
    route({ id: '00000000-0000-4000-8000-0000000000a2', snis: ['*.wild.test', 'pre.*'], paths: ['/'] }),
    route({ id: '00000000-0000-4000-8000-0000000000a3', paths: ['/'] }),
  ]);
  const hit = (sni: string | undefined) => router.match({ ...routerRequest({ path: '/x' }), sni })?.route.id.slice(-2);
  it('match only their server name over TLS, and are not considered over plain http', () => {
    expect(hit('api.test')).toBe('a1');
    expect(hit('API.test')).toBe('a1');
    expect(hit('v1.wild.test')).toBe('a2');
    expect(hit('pre.example')).toBe('a2');
    expect(hit('other.test')).toBe('a3');
    expect(hit('')).toBe('a3');
    // Plain http: a route with snis is as good as one without (and outranks it, having one field more).
    expect(hit(undefined)).toMatch(/^a[12]$/);
  });
});

describe('an ssl listener with http2', () => {
  it('serves HTTP/1.1 and HTTP/2 with the certificate of the SNI', async () => {
    const log = createLogger({ level: 'error' });
    const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log, tls: { certPem: def.cert, keyPem: def.key }, http2: true });
    try {
      p.swap({
        _format_version: '3.0',
        certificates: [{ id: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7a01', cert: rsa.cert, key: rsa.key }],
        snis: [{ id: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7a02', name: 'rsa.test', certificate: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7a01' }],
      });
      const port = p.address.port;
      const h1 = await new Promise<{ status: number; cn: string }>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, path: '/', servername: 'rsa.test', rejectUnauthorized: false, agent: false }, (res) => {
          const cn = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN);
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, cn }));
        });
        r.on('error', reject);
        r.end();
      });
      expect(h1).toEqual({ status: 404, cn: 'rsa.test' });
      const session = h2connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false, servername: 'rsa.test' });
      const h2 = await new Promise<{ status: number; cn: string }>((resolve, reject) => {
        const s = session.request({ ':path': '/' });
        s.on('response', (h) => resolve({ status: Number(h[':status']), cn: String((session.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN) }));
        s.on('error', reject);
        s.end();
      });
      session.close();
      expect(h2).toEqual({ status: 404, cn: 'rsa.test' });
    } finally {
      await p.close();
    }
  });
});

describe('certificates and SNIs that come as row changes (an incremental sync)', () => {
  it('are presented from the next handshake on, without a whole compile', async () => {
    const lines: string[] = [];
    const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }), tls: { certPem: def.cert, keyPem: def.key } });
    try {
      const cert = { id: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7b01', cert: rsa.cert, key: rsa.key };
      const sni = { id: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7b02', name: 'rsa.test', certificate: { id: cert.id } };
      const first = { _format_version: '3.0' };
      p.swap(first);
      const cn = () => new Promise<string>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: p.address.port, servername: 'rsa.test', rejectUnauthorized: false }, () => {
          resolve(String(s.getPeerCertificate().subject.CN));
          s.end();
        });
        s.on('error', reject);
      });
      const before = await cn();
      expect(before).not.toBe('rsa.test');
      p.patch({ ...first, certificates: [cert], snis: [sni] }, [
        { type: 'certificates', row: cert, pk: { id: cert.id } },
        { type: 'snis', row: sni, pk: { id: sni.id } },
      ]);
      expect(await cn()).toBe('rsa.test');
      expect(lines.some((l) => l.includes('config patched'))).toBe(true);
      expect(lines.filter((l) => l.includes('config loaded'))).toHaveLength(1);
    } finally {
      await p.close();
    }
  });
});
