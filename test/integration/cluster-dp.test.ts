// The data plane's sync client against the real control plane listener over mTLS on loopback,
// directly and through a real tinyproxy (http and https forward proxy).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { startSyncClient, type SyncClient } from '../../src/cluster/client/index.js';
import { connectThroughProxy } from '../../src/cluster/tunnel.js';
import { createLogger } from '../../src/log.js';
import { startCp, type TestCp } from './cluster-cp-dp.js';
import { asIssuer, child, root } from '../helpers/pki.js';
import { PROXY_PASSWORD, startTinyproxy, tlsFront } from '../helpers/forward-proxy.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let shared: Issued;
let pki: { ca: Issued; cp: Issued; dp: Issued };
beforeAll(async () => {
  const now = new Date(Date.now() - 60_000);
  shared = await generateSharedPair({ now });
  const ca = await root('Sync Root', { notBefore: now });
  const cp = await child(ca, 'cp', 'localhost', { dnsNames: ['localhost'], notBefore: now });
  const dp = await child(ca, 'dp', 'dp-1', { notBefore: now });
  pki = { ca, cp, dp };
  void asIssuer;
});

const TABLE = (name: string) => ({ _format_version: '3.0', _transform: false, services: [{ id: '0855b320-0dd2-547d-891d-601e9b38647f', name, host: 'example.test', port: 80, protocol: 'http', enabled: true }] });

function client(cp: TestCp, o: Partial<Parameters<typeof startSyncClient>[0]> = {}) {
  const lines: string[] = [];
  const applied: string[] = [];
  let hash: string | null = null;
  let failNext = false;
  const c: SyncClient = startSyncClient({
    cpAddress: `localhost:${cp.port}`,
    mode: 'shared',
    certPem: shared.certPem,
    keyPem: shared.keyPem,
    nodeId: 'a0d1b6c3-3f2e-4f5a-9b8c-7d6e5f4a3b2c',
    hostname: 'dp-under-test',
    version: '3.10.0',
    log: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    currentHash: () => hash,
    apply: async (table, h) => {
      if (failNext) {
        failNext = false;
        throw new Error('router refused it');
      }
      applied.push(String((table.services as { name: string }[] | undefined)?.[0]?.name));
      hash = h;
    },
    timers: { reconnectMinMs: 100, reconnectMaxMs: 200 },
    ...o,
  });
  cleanup.push(() => c.stop());
  const until = async (pred: () => boolean, what: string) => {
    const end = Date.now() + 10_000;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out: ${what}\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { c, lines, applied, hash: () => hash, until, failOnce: () => (failNext = true) };
}

async function sharedCp(): Promise<TestCp> {
  const cp = await startCp({ mode: 'shared', certPem: shared.certPem, keyPem: shared.keyPem });
  cleanup.push(() => cp.server.close());
  return cp;
}

describe('sync client', () => {
  it('receives the config, applies each distinct hash once, and reports its hash in pings', async () => {
    const cp = await sharedCp();
    const h1 = cp.setConfig(TABLE('one'));
    const dp = client(cp);
    await dp.until(() => dp.applied.length === 1, 'first config');
    expect(dp.hash()).toBe(h1);
    await cp.row((r) => r.config_hash === h1 && r.hostname === 'dp-under-test');
    cp.server.push(); // same config again: skipped
    const h2 = cp.setConfig(TABLE('two'));
    cp.server.push();
    await dp.until(() => dp.hash() === h2, 'second config');
    expect(dp.applied).toEqual(['one', 'two']);
    expect(dp.c.state()).toBe('connected');
  });

  it('keeps the previous config when applying fails, and reconnects after the CP restarts', async () => {
    const cp = await sharedCp();
    const h1 = cp.setConfig(TABLE('one'));
    const dp = client(cp);
    await dp.until(() => dp.hash() === h1, 'first config');
    dp.failOnce();
    cp.setConfig(TABLE('bad'));
    cp.server.push();
    await dp.until(() => dp.lines.some((l) => /rejected a configuration.*router refused it/.test(l)), 'rejection logged');
    expect(dp.hash()).toBe(h1);
    await cp.server.close();
    await dp.until(() => dp.c.state() !== 'connected', 'disconnect seen');
    const again = await startCp({ mode: 'shared', certPem: shared.certPem, keyPem: shared.keyPem });
    cleanup.push(() => again.server.close());
    const h3 = again.setConfig(TABLE('three'));
    const dp2 = client(again);
    await dp2.until(() => dp2.hash() === h3, 'config from the new CP');
  });

  it('a CP that holds back the config for this DP\'s plugin set: the CP says why, the DP says it got nothing', async () => {
    const cp = await startCp({
      mode: 'shared', certPem: shared.certPem, keyPem: shared.keyPem,
      checkConfiguration: (dpPlugins) => (dpPlugins.some((p) => p.name === 'key-auth')
        ? { ok: true, status: 'normal' }
        : { ok: false, status: 'plugin_set_incompatible', message: 'configured key-auth plugin 3.10.0 is missing from data plane' }),
    });
    cleanup.push(() => cp.server.close());
    cp.setConfig(TABLE('one'));
    const dp = client(cp, { plugins: [{ name: 'cors', version: '3.10.0' }], timers: { reconnectMinMs: 100, reconnectMaxMs: 200, firstConfigMs: 300 } });
    await cp.line(/unable to send updated configuration to data plane: configured key-auth plugin 3\.10\.0 is missing from data plane/);
    await cp.row((r) => r.sync_status === 'plugin_set_incompatible');
    await dp.until(() => dp.lines.some((l) => /\[warn\].*has sent no configuration.*plugins=cors/.test(l)), 'DP warning');
    expect(dp.applied).toEqual([]);
    // A DP that has the plugin gets the config.
    const ok = client(cp, { plugins: [{ name: 'key-auth', version: '3.10.0' }] });
    await ok.until(() => ok.applied.length === 1, 'config for the compatible DP');
  });

  it('says clearly, once per attempt, that a shared-mode CP presents another certificate', async () => {
    const other = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
    const cp = await startCp({ mode: 'shared', certPem: other.certPem, keyPem: other.keyPem });
    cleanup.push(() => cp.server.close());
    const dp = client(cp);
    await dp.until(() => dp.lines.some((l) => /\[error\].*certificate other than this node's cluster_cert/.test(l)), 'pin mismatch');
    expect(dp.applied).toEqual([]);
  });

  it('pki: verifies the CP name and says how to fix a mismatch', async () => {
    const cp = await startCp({ mode: 'pki', certPem: pki.cp.certPem, keyPem: pki.cp.keyPem, caPems: [pki.ca.certPem] });
    cleanup.push(() => cp.server.close());
    const h = cp.setConfig(TABLE('pki'));
    const good = client(cp, { mode: 'pki', certPem: pki.dp.certPem, keyPem: pki.dp.keyPem, caPems: [pki.ca.certPem] });
    await good.until(() => good.hash() === h, 'pki sync');
    const bad = client(cp, { mode: 'pki', certPem: pki.dp.certPem, keyPem: pki.dp.keyPem, caPems: [pki.ca.certPem], serverName: 'cp.elsewhere.test' });
    await bad.until(() => bad.lines.some((l) => /\[error\].*not valid for 'cp\.elsewhere\.test'.*cluster_server_name/.test(l)), 'name mismatch');
    expect(bad.applied).toEqual([]);
  });
});

describe('forward proxy (tinyproxy with Basic auth)', () => {
  it('syncs through an http proxy and never logs the password', async () => {
    const proxy = await startTinyproxy();
    const cp = await sharedCp();
    const h = cp.setConfig(TABLE('proxied'));
    const dp = client(cp, { cpAddress: `127.0.0.1:${cp.port}`, proxy: { url: proxy.url(), sslVerify: true } });
    await dp.until(() => dp.hash() === h, 'sync through the proxy');
    expect(proxy.log()).toMatch(/CONNECT/);
    expect(dp.lines.join('\n')).not.toContain(PROXY_PASSWORD);
  });

  it('reports wrong credentials with the status and without the password', async () => {
    const proxy = await startTinyproxy();
    const bad = proxy.url({ user: 'hybrid', password: 'wrong-password' });
    await expect(connectThroughProxy({ proxyUrl: bad, sslVerify: true, target: { host: '127.0.0.1', port: 1 } })).rejects.toThrow(/proxy authentication failed \((401|407)\)/);
    await expect(connectThroughProxy({ proxyUrl: proxy.url(null), sslVerify: true, target: { host: '127.0.0.1', port: 1 } })).rejects.toThrow(/407/);
    const err = await connectThroughProxy({ proxyUrl: bad, sslVerify: true, target: { host: '127.0.0.1', port: 1 } }).catch((e: Error) => e.message);
    expect(err).not.toContain('wrong-password');
  });

  it('https proxy: verification on refuses an untrusted proxy, trusts it with the CA, and off skips it', async () => {
    const proxy = await startTinyproxy();
    const front = await tlsFront({ certPem: pki.cp.certPem, keyPem: pki.cp.keyPem, to: proxy.port });
    const cp = await sharedCp();
    const url = `https://hybrid:${encodeURIComponent(PROXY_PASSWORD)}@localhost:${front.port}`;
    const target = { host: '127.0.0.1', port: cp.port };
    await expect(connectThroughProxy({ proxyUrl: url, sslVerify: true, target })).rejects.toThrow(/cannot reach forward proxy https:\/\/localhost:\d+.*(certificate|issuer)/i);
    const trusted = await connectThroughProxy({ proxyUrl: url, sslVerify: true, caPems: [pki.ca.certPem], target });
    trusted.destroy();
    const unverified = await connectThroughProxy({ proxyUrl: url, sslVerify: false, target });
    unverified.destroy();
    const h = cp.setConfig(TABLE('via-https-proxy'));
    const dp = client(cp, { cpAddress: `127.0.0.1:${cp.port}`, proxy: { url, sslVerify: true, caPems: [pki.ca.certPem] } });
    await dp.until(() => dp.hash() === h, 'sync through the https proxy');
  });
});
