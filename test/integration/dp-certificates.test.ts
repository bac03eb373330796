// Certificates served by a real `dp run`: picked by SNI (exact, wildcard, default), RSA or ECDSA by
// what the client offers, routes' `snis` matched on the TLS server name, and a new certificate
// taken on a config swap while an open connection carries on.
import { describe, expect, it, beforeAll } from 'vitest';
import { connect, type PeerCertificate } from 'node:tls';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/cli.js';
import { createServer, type AddressInfo } from 'node:net';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';
import { serverPair, type Pair } from '../helpers/tls-certs.js';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { issue } from '../../src/pki/generate.js';
import { asIssuer } from '../helpers/pki.js';

let a: Pair, b: Pair, bEc: Pair, c: Pair;
beforeAll(async () => {
  [a, b, bEc, c] = await Promise.all([serverPair('a.test', 'rsa'), serverPair('b.test', 'rsa'), serverPair('b.test-ecdsa', 'ec'), serverPair('c.test', 'ec')]);
});

/** The leaf a handshake with this server name (and these signature algorithms) gets. */
function served(port: number, servername: string | undefined, sigalgs?: string): Promise<{ cn: string; type: string }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, sigalgs, maxVersion: 'TLSv1.3' }, () => {
      const cert = s.getPeerCertificate() as PeerCertificate & { asn1Curve?: string; bits?: number };
      resolve({ cn: String(cert.subject.CN), type: cert.asn1Curve ? 'ec' : 'rsa' });
      s.end();
    });
    s.on('error', reject);
  });
}

/** GET over TLS with this server name: which upstream path the route sent it to. */
function get(port: number, servername: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, servername, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** Distinct free ports: all held open at once, so two calls cannot hand out the same one. */
async function ports(n: number): Promise<[number, number, number]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => r(s)); })));
  const out = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return out as [number, number, number];
}

const certificates = () => [
  { id: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7a01', cert: a.cert, key: a.key, snis: [{ name: 'a.test' }] },
  { id: '0c1e5b3a-61a4-4d2f-9b0e-3f6f8f2e7a02', cert: b.cert, key: b.key, cert_alt: bEc.cert, key_alt: bEc.key, snis: [{ name: '*.b.test' }, { name: 'b.*' }] },
];

describe('dp run: ssl proxy listeners serve the configured certificates', () => {
  it('picks the certificate by SNI from declarative_config, RSA or ECDSA by the client, and matches routes on snis', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const file = join(dir, 'kong.yml');
      writeFileSync(file, JSON.stringify({
        _format_version: '3.0',
        certificates: certificates(),
        services: [
          { name: 'only-a', url: `http://127.0.0.1:${up.port}/only-a`, routes: [{ name: 'only-a', protocols: ['https'], paths: ['/sni'], snis: ['a.test'] }] },
          { name: 'any', url: `http://127.0.0.1:${up.port}/any`, routes: [{ name: 'any', paths: ['/sni'] }] },
        ],
      }));
      const [plain, tls, cluster] = await ports(3);
      const dp = await startDp(p, join(dir, 'dp'), cluster, ['--declarative-config', file, '--proxy-listen', `127.0.0.1:${plain}, 127.0.0.1:${tls} ssl`]);
      await dp.d.waitFor((l) => /serving declarative_config/.test(l.msg));

      expect(await served(tls, 'a.test')).toEqual({ cn: 'a.test', type: 'rsa' });
      expect(await served(tls, 'A.TEST')).toMatchObject({ cn: 'a.test' });
      // Kong's wildcard lookups: the first label replaced, then the last one.
      expect(await served(tls, 'x.b.test', 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256')).toEqual({ cn: 'b.test', type: 'rsa' });
      expect(await served(tls, 'x.b.test', 'ecdsa_secp256r1_sha256')).toEqual({ cn: 'b.test-ecdsa', type: 'ec' });
      expect((await served(tls, 'b.example', 'rsa_pss_rsae_sha256')).cn).toBe('b.test');
      // `*.b.test` covers one label only, as Kong's lookup does; no match means the default certificate.
      expect((await served(tls, 'y.x.b.test')).cn).toBe('localhost');
      expect((await served(tls, 'unknown.test')).cn).toBe('localhost');
      expect((await served(tls, undefined)).cn).toBe('localhost');

      // The snis route only for its server name; every other name goes to the route without snis.
      expect(JSON.parse((await get(tls, 'a.test', '/sni/1')).body).path).toBe('/only-a/1');
      expect(JSON.parse((await get(tls, 'x.b.test', '/sni/1')).body).path).toBe('/any/1');
      // Over plain http a route's snis are not considered (Kong): the https-only route matches and answers 426.
      expect((await fetch(`http://127.0.0.1:${plain}/sni/2`)).status).toBe(426);
      expect(dp.d.stderr()).not.toContain(a.key.split('\n')[1]!);
    } finally {
      up.server.close();
    }
  }, 60_000);

  it('takes a new certificate on a config swap without dropping an open connection', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const [plain, tls] = await ports(2);
      await startDp(p, join(dir, 'dp'), cp.cluster, ['--proxy-listen', `127.0.0.1:${plain}, 127.0.0.1:${tls} ssl`]);
      const config = (extra: Record<string, unknown>[]) => ({
        _format_version: '3.0',
        certificates: [...certificates(), ...extra],
        services: [{ name: 's', url: `http://127.0.0.1:${up.port}/s`, routes: [{ name: 'r', paths: ['/'] }] }],
      });
      expect((await post(`${cp.admin}/config`, config([]))).status).toBe(201);
      await until(async () => (await served(tls, 'a.test')).cn === 'a.test', 'first certificates served');
      expect((await served(tls, 'c.test')).cn).toBe('localhost');

      // A keep-alive connection opened before the swap.
      const agent = new (await import('node:https')).Agent({ keepAlive: true, maxSockets: 1 });
      const sockets: unknown[] = [];
      const viaAgent = () => new Promise<number>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port: tls, path: '/k', servername: 'a.test', rejectUnauthorized: false, agent }, (res) => {
          sockets.push(res.socket);
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        r.on('error', reject);
        r.end();
      });
      expect(await viaAgent()).toBe(200);

      expect((await post(`${cp.admin}/config`, config([{ cert: c.cert, key: c.key, snis: [{ name: 'c.test' }] }]))).status).toBe(201);
      await until(async () => (await served(tls, 'c.test')).cn === 'c.test', 'the new certificate served');
      expect(await viaAgent()).toBe(200);
      expect(sockets[1]).toBe(sockets[0]);
      agent.destroy();
    } finally {
      up.server.close();
    }
  }, 60_000);

  it('sends requests to an https upstream with the client certificate and CA set through the Admin API', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const since = new Date(Date.now() - 86_400_000);
    const EC = { type: 'ec', curve: 'P-256' } as const;
    const root = await issue({ profile: 'root', subject: 'CN=Upstream Root', notBefore: since, days: 30, keySpec: EC });
    const server = await issue({ profile: 'cp', subject: 'CN=up.test', dnsNames: ['up.test'], notBefore: since, days: 30, keySpec: EC, issuer: asIssuer(root) });
    const client = await issue({ profile: 'dp', subject: 'CN=proxy-client', notBefore: since, days: 30, keySpec: EC, issuer: asIssuer(root) });
    const up = createHttpsServer({ cert: server.certPem, key: server.keyPem, ca: root.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      res.end(String((req.socket as TLSSocket).getPeerCertificate().subject.CN));
    });
    await new Promise<void>((ok) => up.listen(0, '127.0.0.1', ok));
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const [plain] = await ports(1);
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--proxy-listen', `127.0.0.1:${plain}`]);
      const cert = await (await post(`${cp.admin}/certificates`, { cert: client.certPem, key: client.keyPem })).json();
      const ca = await (await post(`${cp.admin}/ca_certificates`, { cert: root.certPem })).json();
      const svc = await post(`${cp.admin}/services`, {
        name: 'mtls', protocol: 'https', host: '127.0.0.1', port: (up.address() as AddressInfo).port,
        client_certificate: { id: cert.id }, tls_verify: true, ca_certificates: [ca.id],
      });
      expect(svc.status).toBe(201);
      expect((await post(`${cp.admin}/services/mtls/routes`, { paths: ['/m'], preserve_host: true })).status).toBe(201);
      // The upstream refuses connections without a client certificate from its CA: the body names the one presented.
      // fetch() cannot set Host; node:http can.
      const viaHost = () => new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port: plain, path: '/m', headers: { host: 'up.test' }, agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        }).on('error', reject);
      });
      const body = await until(async () => {
        const r = await viaHost();
        return r.status === 200 ? r.body : undefined;
      }, 'the mTLS route served');
      expect(body).toBe('proxy-client');
      // By IP the name no longer matches the certificate: Kong's 502, and a warning on the DP.
      expect((await post(`${cp.admin}/services/mtls/routes`, { paths: ['/by-ip'], preserve_host: false })).status).toBe(201);
      await until(async () => (await fetch(`http://127.0.0.1:${plain}/by-ip`)).status === 502, 'the by-ip route refused');
      expect(dp.d.stderr()).toMatch(/upstream request failed.*ERR_TLS_CERT_ALTNAME_INVALID/);
      expect(dp.d.stderr()).not.toContain(client.keyPem.split('\n')[1]!);
    } finally {
      up.close();
    }
  }, 60_000);
});
