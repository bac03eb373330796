// TLS to the upstream as Kong's runloop/upstream_ssl.lua sets it, against real TLS servers on
// loopback: client_certificate (service, else upstream) presented for mTLS, tls_verify with
// ca_certificates as the only trust store, tls_verify_depth (nginx's default 1), the name checked
// against the Host sent upstream, and Kong's 502 when verification fails.
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { issue, type Issued } from '../../../src/pki/generate.js';
import { asIssuer } from '../../helpers/pki.js';
import { createLogger } from '../../../src/log.js';
import { startProxy } from '../../../src/proxy/server.js';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { send } from './helpers.js';

const EC = { type: 'ec', curve: 'P-256' } as const;
const since = new Date(Date.now() - 86_400_000);
const ca = (name: string, parent?: Issued) => issue({ profile: parent ? 'intermediate' : 'root', subject: `CN=${name}`, notBefore: since, days: 30, keySpec: EC, issuer: parent ? asIssuer(parent) : undefined });
const leaf = (profile: 'cp' | 'dp', name: string, parent: Issued) => issue({ profile, subject: `CN=${name}`, dnsNames: [name], notBefore: since, days: 30, keySpec: EC, issuer: asIssuer(parent) });

const ID = {
  svc: '9a000000-0000-4000-8000-000000000001', route: '9a000000-0000-4000-8000-000000000002', up: '9a000000-0000-4000-8000-000000000003',
  clientCert: '9a000000-0000-4000-8000-000000000010', otherClientCert: '9a000000-0000-4000-8000-000000000011',
  ca: '9a000000-0000-4000-8000-000000000020', otherCa: '9a000000-0000-4000-8000-000000000021', missing: '9a000000-0000-4000-8000-0000000000ff',
};

let root: Issued, other: Issued, clientA: Issued, clientB: Issued;
let direct: Issued, deep: { leaf: Issued; inters: Issued[] };
beforeAll(async () => {
  [root, other] = await Promise.all([ca('Upstream Root'), ca('Someone Else')]);
  direct = await leaf('cp', 'up.test', root);
  const i1 = await ca('Inter 1', root);
  const i2 = await ca('Inter 2', i1);
  deep = { leaf: await leaf('cp', 'up.test', i2), inters: [i2, i1] };
  [clientA, clientB] = await Promise.all([leaf('dp', 'client-a', root), leaf('dp', 'client-b', root)]);
});

/** An HTTPS upstream that asks for (and reports) a client certificate, with this chain. */
async function tlsUpstream(server: Issued, chain: Issued[] = []): Promise<number> {
  const s = createHttpsServer({ cert: [server.certPem, ...chain.map((c) => c.certPem)].join(''), key: server.keyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ client: peer && peer.subject ? peer.subject.CN : null, sni: (req.socket as TLSSocket & { servername?: string }).servername || null }));
  });
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  onTestFinished(() => new Promise<void>((ok) => { s.closeAllConnections(); s.close(() => ok()); }));
  return (s.address() as AddressInfo).port;
}

interface Svc { client_certificate?: { id: string } | null; tls_verify?: boolean | null; tls_verify_depth?: number | null; ca_certificates?: string[] | null; host?: string }

function table(port: number, svc: Svc, extra: { upstreamCert?: string; preserveHost?: boolean } = {}): ConfigTable {
  const host = svc.host ?? '127.0.0.1';
  return {
    _format_version: '3.0',
    certificates: [
      { id: ID.clientCert, cert: clientA.certPem, key: clientA.keyPem, cert_alt: null, key_alt: null, tags: null },
      { id: ID.otherClientCert, cert: clientB.certPem, key: clientB.keyPem, cert_alt: null, key_alt: null, tags: null },
    ],
    ca_certificates: [{ id: ID.ca, cert: root.certPem, cert_digest: 'x', tags: null }, { id: ID.otherCa, cert: other.certPem, cert_digest: 'y', tags: null }],
    services: [{ id: ID.svc, name: 'tls', protocol: 'https', host, port, path: null, retries: 0, connect_timeout: 5000, read_timeout: 5000, write_timeout: 5000, enabled: true,
      client_certificate: null, tls_verify: null, tls_verify_depth: null, ca_certificates: null, ...svc } as never],
    routes: [{ id: ID.route, paths: ['/'], hosts: null, methods: null, headers: null, protocols: ['http', 'https'], strip_path: false, preserve_host: extra.preserveHost ?? false,
      regex_priority: 0, service: ID.svc } as never],
    upstreams: host === 'tls-pool' ? [{ id: ID.up, name: 'tls-pool', host_header: null, client_certificate: extra.upstreamCert ? { id: extra.upstreamCert } : null }] : [],
    targets: host === 'tls-pool' ? [{ id: '9a000000-0000-4000-8000-000000000004', upstream: ID.up, target: `127.0.0.1:${port}`, weight: 100 }] : [],
  };
}

async function through(t: ConfigTable, headers: Record<string, string> = {}) {
  const lines: string[] = [];
  const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) });
  onTestFinished(() => p.close());
  p.swap(t);
  const r = await send(p, { path: '/x', headers });
  return { ...r, json: r.status === 200 ? JSON.parse(r.body) : JSON.parse(r.body || 'null'), log: lines.join('\n') };
}

describe('client certificates for upstream mTLS', () => {
  it('connects without one, and without verifying, when the service sets nothing (Kong\'s defaults)', async () => {
    const port = await tlsUpstream(direct);
    const r = await through(table(port, {}));
    expect(r.status).toBe(200);
    expect(r.json.client).toBeNull();
  });

  it("presents the service's client_certificate", async () => {
    const port = await tlsUpstream(direct);
    expect((await through(table(port, { client_certificate: { id: ID.clientCert } }))).json.client).toBe('client-a');
  });

  it("falls back to the upstream's client_certificate, and the service's wins over it", async () => {
    const port = await tlsUpstream(direct);
    expect((await through(table(port, { host: 'tls-pool' }, { upstreamCert: ID.otherClientCert }))).json.client).toBe('client-b');
    expect((await through(table(port, { host: 'tls-pool', client_certificate: { id: ID.clientCert } }, { upstreamCert: ID.otherClientCert }))).json.client).toBe('client-a');
  });

  it('answers 502 (and logs why) rather than connect without a certificate the config does not carry', async () => {
    const port = await tlsUpstream(direct);
    const r = await through(table(port, { client_certificate: { id: ID.missing } }));
    expect(r.status).toBe(502);
    expect(r.json.message).toBe('An invalid response was received from the upstream server');
    expect(r.log).toContain(`client certificate ${ID.missing} is not in the configuration`);
  });
});

describe('tls_verify with ca_certificates', () => {
  it('accepts an upstream whose chain ends at a listed CA and whose name matches the Host sent', async () => {
    const port = await tlsUpstream(direct);
    const r = await through(table(port, { tls_verify: true, ca_certificates: [ID.ca] }, { preserveHost: true }), { host: 'up.test' });
    expect(r.status, r.body).toBe(200);
    expect(r.json.sni).toBe('up.test');
  }, 15_000);

  it("answers Kong's 502 when the chain ends at a CA that is not listed, or at none with the system store", async () => {
    const port = await tlsUpstream(direct);
    const wrong = await through(table(port, { tls_verify: true, ca_certificates: [ID.otherCa] }, { preserveHost: true }), { host: 'up.test' });
    expect(wrong.status).toBe(502);
    expect(wrong.json.message).toBe('An invalid response was received from the upstream server');
    expect((await through(table(port, { tls_verify: true }, { preserveHost: true }), { host: 'up.test' })).status).toBe(502);
  });

  it('checks the name against the Host sent upstream: an IP address the certificate does not name fails', async () => {
    const port = await tlsUpstream(direct);
    expect((await through(table(port, { tls_verify: true, ca_certificates: [ID.ca] }))).status).toBe(502);
    // The same upstream, asked for by the name on its certificate (preserve_host), passes.
    expect((await through(table(port, { tls_verify: true, ca_certificates: [ID.ca] }, { preserveHost: true }), { host: 'up.test' })).status).toBe(200);
  });

  it('does not verify at all without tls_verify, whatever ca_certificates says', async () => {
    const port = await tlsUpstream(direct);
    expect((await through(table(port, { tls_verify: false, ca_certificates: [ID.otherCa] }))).status).toBe(200);
  });

  it('answers 502 for a CA certificate id the config does not carry, instead of trusting the system store', async () => {
    const port = await tlsUpstream(direct);
    const r = await through(table(port, { tls_verify: true, ca_certificates: [ID.ca, ID.missing] }, { preserveHost: true }), { host: 'up.test' });
    expect(r.status).toBe(502);
    expect(r.log).toContain(`CA certificate ${ID.missing} does not exist`);
  });
});

describe('tls_verify_depth', () => {
  it("refuses a chain with two intermediates at nginx's default depth 1, and accepts it at depth 2", async () => {
    const port = await tlsUpstream(deep.leaf, deep.inters);
    const at = (depth: number | null) => through(table(port, { tls_verify: true, tls_verify_depth: depth, ca_certificates: [ID.ca] }, { preserveHost: true }), { host: 'up.test' });
    const dflt = await at(null);
    expect(dflt.status).toBe(502);
    expect(dflt.log).toContain('certificate chain too long');
    expect((await at(1)).status).toBe(502);
    expect((await at(2)).status).toBe(200);
    expect((await at(5)).status).toBe(200);
  });

  it('accepts a leaf signed by the CA itself at depth 0', async () => {
    const port = await tlsUpstream(direct);
    expect((await through(table(port, { tls_verify: true, tls_verify_depth: 0, ca_certificates: [ID.ca] }, { preserveHost: true }), { host: 'up.test' })).status).toBe(200);
  });
});

describe('a certificate or CA certificate rotated in place (same id, new PEM)', () => {
  /** One proxy whose config is swapped: connections kept alive from before must not carry the old TLS settings. */
  async function swapping(first: ConfigTable) {
    const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: createLogger({ level: 'error', write: () => undefined }) });
    onTestFinished(() => p.close());
    p.swap(first);
    return { p, get: async (headers: Record<string, string> = {}) => send(p, { path: '/x', headers }) };
  }

  it('presents the new client certificate from the next request on', async () => {
    const port = await tlsUpstream(direct);
    const t = table(port, { client_certificate: { id: ID.clientCert } });
    const { p, get } = await swapping(t);
    expect(JSON.parse((await get()).body).client).toBe('client-a');
    const rotated = structuredClone(t);
    Object.assign((rotated.certificates as { cert: string; key: string }[])[0]!, { cert: clientB.certPem, key: clientB.keyPem });
    p.swap(rotated);
    expect(JSON.parse((await get()).body).client).toBe('client-b');
  });

  it('verifies against the new CA certificate: an upstream the old one trusted is refused', async () => {
    const port = await tlsUpstream(direct);
    const t = table(port, { tls_verify: true, ca_certificates: [ID.ca] }, { preserveHost: true });
    const { p, get } = await swapping(t);
    expect((await get({ host: 'up.test' })).status).toBe(200);
    const rotated = structuredClone(t);
    (rotated.ca_certificates as { id: string; cert: string }[])[0]!.cert = other.certPem;
    p.swap(rotated);
    expect((await get({ host: 'up.test' })).status).toBe(502);
  });
});
