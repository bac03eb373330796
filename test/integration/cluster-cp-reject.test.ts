// Who the cluster listener turns away, each with its log line and counter (real mTLS on loopback).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { child, root } from '../helpers/pki.js';
import { connectDp, startCp, type Outcome, type TestCp } from './cluster-cp-dp.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
const track = (o: Outcome) => {
  if (o.kind === 'open') cleanup.push(() => o.dp.ws.terminate());
  return o;
};
const bundle = (leaf: Issued, ...inters: Issued[]) => leaf.certPem + inters.map((i) => i.certPem).join('');

describe('shared mode', () => {
  let pair: Issued;
  let other: Issued;
  let cp: TestCp;
  beforeAll(async () => {
    const now = new Date(Date.now() - 60_000);
    [pair, other] = await Promise.all([generateSharedPair({ now }), generateSharedPair({ now })]);
  });
  const dp = async (cert?: Issued) =>
    track(await connectDp({ port: cp.port, certPem: cert?.certPem, keyPem: cert?.keyPem, caPem: pair.certPem, servername: 'kong_clustering' }));

  it('no client certificate', async () => {
    cp = await startCp({ mode: 'shared', certPem: pair.certPem, keyPem: pair.keyPem });
    cleanup.push(() => cp.server.close());
    expect((await dp()).kind).toBe('dropped');
    await cp.line(/\[error\] \[clustering\] data plane failed to present client certificate during handshake reason=no-client-cert/);
    expect(cp.server.metrics().rejected).toEqual({ 'no-client-cert': 1 });
  });

  it('a certificate whose digest is not our cluster_cert', async () => {
    cp = await startCp({ mode: 'shared', certPem: pair.certPem, keyPem: pair.keyPem });
    cleanup.push(() => cp.server.close());
    expect((await dp(other)).kind).toBe('dropped');
    await cp.line(/data plane presented incorrect client certificate during handshake \(digest does not match the control plane certificate\) reason=digest-mismatch/);
    expect((await dp(pair)).kind).toBe('open');
  });
});

describe('pki mode', () => {
  let ca: Issued;
  let cpCert: Issued;
  let cp: TestCp;
  const past = new Date(Date.now() - 86_400_000);

  beforeAll(async () => {
    ca = await root('Cluster Root', { notBefore: past });
    cpCert = await child(ca, 'cp', 'cp.test', { dnsNames: ['cp.test'], notBefore: past });
  });

  const start = async () => {
    cp = await startCp({ mode: 'pki', certPem: cpCert.certPem, keyPem: cpCert.keyPem, caPems: [ca.certPem] });
    cleanup.push(() => cp.server.close());
  };
  const dp = async (certPem: string, keyPem: string) => track(await connectDp({ port: cp.port, certPem, keyPem, caPem: ca.certPem, servername: 'cp.test' }));
  const rejectedWith = async (certPem: string, keyPem: string, code: string) => {
    expect((await dp(certPem, keyPem)).kind).toBe('dropped');
    return cp.line(new RegExp(`data plane presented a client certificate that does not verify against cluster_ca_cert \\(${code}\\).*reason=${code}`));
  };

  it('accepts a DP certificate with clientAuth under the CA, through three intermediates', async () => {
    await start();
    let parent = ca;
    const inters: Issued[] = [];
    for (let i = 1; i <= 3; i++) inters.unshift((parent = await child(parent, 'intermediate', `Inter ${i}`, { notBefore: past })));
    const leaf = await child(parent, 'dp', 'dp-1', { notBefore: past });
    const out = await dp(bundle(leaf, ...inters), leaf.keyPem);
    expect(out.kind).toBe('open');
    await cp.line(/data plane connected/);
  });

  it('no client certificate', async () => {
    await start();
    expect((await connectDp({ port: cp.port, caPem: ca.certPem, servername: 'cp.test' })).kind).toBe('dropped');
    await cp.line(/data plane failed to present client certificate during handshake reason=no-client-cert/);
  });

  it('a certificate from another CA', async () => {
    await start();
    const stranger = await root('Stranger Root', { notBefore: past });
    const leaf = await child(stranger, 'dp', 'dp-x', { notBefore: past });
    const line = await rejectedWith(leaf.certPem, leaf.keyPem, 'untrusted');
    expect(line).toMatch(/Stranger Root/);
  });

  it('a DP certificate made for servers only (serverAuth EKU)', async () => {
    await start();
    const leaf = await child(ca, 'cp', 'dp-as-server', { notBefore: past });
    await rejectedWith(leaf.certPem, leaf.keyPem, 'eku');
  });

  it('four intermediates, one more than allowed', async () => {
    await start();
    let parent = ca;
    const inters: Issued[] = [];
    for (let i = 1; i <= 4; i++) inters.unshift((parent = await child(parent, 'intermediate', `Deep ${i}`, { notBefore: past })));
    const leaf = await child(parent, 'dp', 'dp-deep', { notBefore: past });
    await rejectedWith(bundle(leaf, ...inters), leaf.keyPem, 'depth');
  });

  it('an expired DP certificate', async () => {
    await start();
    const leaf = await child(ca, 'dp', 'dp-old', { notBefore: new Date('2025-01-01T00:00:00Z'), days: 30 });
    await rejectedWith(leaf.certPem, leaf.keyPem, 'expired');
    expect(cp.server.metrics().rejected).toEqual({ expired: 1 });
  });
});
