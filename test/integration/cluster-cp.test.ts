// The control plane's cluster listener with a v1 data plane over real mTLS on loopback (shared mode).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { configHash, EMPTY_CONFIG_HASH } from '../../src/cluster/protocol/hash.js';
import { checkConfigurationCompatibility } from '../../src/cluster/protocol/version.js';
import { connectDp, type Outcome, startCp, type TestCp, type TestDp } from './cluster-cp-dp.js';

let pair: Issued;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

beforeAll(async () => {
  pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
});

const TABLE = (n: number) => ({
  _format_version: '3.0',
  _transform: false,
  services: [{ id: '0855b320-0dd2-547d-891d-601e9b38647f', name: `svc-${n}`, host: 'example.test', port: 80, protocol: 'http', path: null, enabled: true }],
  routes: [{ id: '481a9539-f49c-51b6-b2e2-fe99ee68866c', name: 'r', paths: ['/'], service: '0855b320-0dd2-547d-891d-601e9b38647f', protocols: ['http', 'https'] }],
});

async function cp(extra: Partial<Parameters<typeof startCp>[0]> = {}): Promise<TestCp> {
  const c = await startCp({ mode: 'shared', certPem: pair.certPem, keyPem: pair.keyPem, ...extra });
  cleanup.push(() => c.server.close());
  return c;
}

async function dp(c: TestCp, extra: Partial<Parameters<typeof connectDp>[0]> = {}): Promise<Outcome> {
  const out = await connectDp({ port: c.port, certPem: pair.certPem, keyPem: pair.keyPem, caPem: pair.certPem, servername: 'kong_clustering', ...extra });
  if (out.kind === 'open') cleanup.push(() => out.dp.ws.terminate());
  return out;
}

function opened(o: Outcome): TestDp {
  if (o.kind !== 'open') throw new Error(`expected an open connection, got ${JSON.stringify(o)}`);
  return o.dp;
}

describe('cluster listener, shared mode', () => {
  it('sends the current config right after basic_info, gzip\'d, with Kong\'s hash', async () => {
    const c = await cp();
    const hash = c.setConfig(TABLE(1));
    const d = opened(await dp(c));
    const msg = await d.config(1);
    expect(msg.type).toBe('reconfigure');
    expect(msg.config_table).toEqual(TABLE(1));
    expect(msg.config_hash).toBe(hash);
    expect({ config_hash: msg.config_hash, hashes: msg.hashes }).toEqual(configHash(TABLE(1)));
    await c.line(/data plane connected/);
    expect(c.server.connected()).toBe(1);
  });

  it('push(): a change reaches the DP; a burst ends with the newest config', async () => {
    const c = await cp();
    c.setConfig(TABLE(1));
    const d = opened(await dp(c));
    await d.config(1);
    const h2 = c.setConfig(TABLE(2));
    c.server.push();
    expect((await d.configWithHash(h2)).config_table).toEqual(TABLE(2));
    let last = '';
    for (let i = 3; i <= 10; i++) {
      last = c.setConfig(TABLE(i));
      c.server.push();
    }
    await d.configWithHash(last);
    expect(d.configs.at(-1)!.config_hash).toBe(last);
    // 1 initial + 1 + at most one per burst step; coalescing usually sends far fewer.
    expect(d.configs.length).toBeLessThanOrEqual(10);
    const m = c.server.metrics();
    expect(m.pushes).toBe(d.configs.length);
    expect(m.pushLatencyMs.length).toBeGreaterThan(0);
  });

  it('no config yet: the DP waits, then gets the first one on push()', async () => {
    const c = await cp();
    const d = opened(await dp(c));
    await c.line(/data plane connected/);
    expect(d.configs).toHaveLength(0);
    const h = c.setConfig(TABLE(1));
    c.server.push();
    expect((await d.config(1)).config_hash).toBe(h);
  });

  it('ping → empty pong, and the status row carries the DP\'s hash, labels and certificate expiry', async () => {
    const c = await cp();
    const hash = c.setConfig(TABLE(1));
    const d = opened(await dp(c));
    await d.config(1);
    const pong = await d.ping(hash);
    expect(pong.length).toBe(0);
    const row = await c.row((r) => r.config_hash === hash);
    expect(row).toMatchObject({
      id: '5b1c1b7e-8a5a-4d7b-9a53-1b2c3d4e5f60', hostname: 'dp-test', ip: '127.0.0.1', version: '3.10.0',
      sync_status: 'normal', labels: { region: 'test' }, cert_details: { expiry_timestamp: Math.floor(pair.cert.notAfter.getTime() / 1000) },
    });
    expect(Math.abs(row.last_seen - Date.now() / 1000)).toBeLessThan(60);
  });

  it('drops a DP that sends a frame that is not a 32-byte ping', async () => {
    const c = await cp();
    const d = opened(await dp(c));
    await c.line(/data plane connected/);
    d.ws.send(Buffer.from('{"type":"error"}'), { binary: true });
    await d.closed;
    await c.line(/received a ping frame from the data plane with an invalid hash: '\{"type":"error"\}'/);
    const d2 = opened(await dp(c));
    await c.line(/data plane connected.*\n?/);
    d2.ws.send(Buffer.alloc(32, 0x61), { binary: true });
    await d2.closed;
    await c.line(/invalid websocket frame received from data plane: binary/);
  });

  it('drops a DP that sends a ping with a bad payload', async () => {
    const c = await cp();
    const d = opened(await dp(c));
    await c.line(/data plane connected/);
    d.ws.ping(Buffer.from('short'));
    await d.closed;
    await c.line(/received a ping frame from the data plane with an invalid hash: 'short'/);
  });

  it('drops a DP that stays silent longer than the ping timeout', async () => {
    const c = await cp({ pingTimeoutMs: 300 });
    const d = opened(await dp(c));
    await d.closed;
    await c.line(/did not receive ping frame from data plane within 0.3 seconds/);
    expect(c.server.connected()).toBe(0);
  });

  it('rejects a first frame that is not a binary basic_info', async () => {
    const c = await cp();
    const d = opened(await dp(c, { basicInfo: Buffer.from('{"type":"hello","plugins":[]}') }));
    await d.closed;
    await c.line(/\[error\].*invalid basic info data type: hello.*reason=basic-info/);
    const d2 = opened(await dp(c, { basicInfo: Buffer.from('{"type":"basic_info"}') }));
    await d2.closed;
    await c.line(/missing plugins in basic info data/);
    expect(c.server.metrics().rejected['basic-info']).toBe(2);
  });

  it('a first frame that never comes: closed after the basic_info timeout', async () => {
    const c = await cp({ basicInfoTimeoutMs: 200 });
    const d = opened(await dp(c, { basicInfo: false }));
    await d.closed;
    await c.line(/failed to receive websocket basic info frame: timeout .*reason=basic-info/);
  });

  it('a config larger than cluster_max_payload is not sent, and says so', async () => {
    const c = await cp({ maxPayload: 4096 });
    // Random hex barely compresses, so the gzip'd frame stays well above 4 KiB.
    c.setConfig({ _format_version: '3.0', blob: randomBytes(16_384).toString('hex') });
    const d = opened(await dp(c));
    await c.line(/unable to send updated configuration to data plane: the compressed configuration is \d+ bytes, more than cluster_max_payload \(4096\)/);
    const small = c.setConfig(TABLE(1));
    c.server.push();
    expect((await d.config(1)).config_hash).toBe(small);
  });

  it('a DP missing a configured plugin gets no config, keeps its connection, and its row says why', async () => {
    const c = await cp({
      checkConfiguration: (dpPlugins) => checkConfigurationCompatibility({ cpPlugins: [{ name: 'rate-limiting', version: '3.10.0' }], dpPlugins, configured: new Set(['rate-limiting']) }),
    });
    c.setConfig(TABLE(1));
    const d = opened(await dp(c));
    await c.line(/unable to send updated configuration to data plane: configured rate-limiting plugin 3\.10\.0 is missing from data plane/);
    expect((await c.row(() => true)).sync_status).toBe('plugin_set_incompatible');
    expect((await d.ping(EMPTY_CONFIG_HASH)).length).toBe(0);
    expect(c.rows.at(-1)!.sync_status).toBe('plugin_set_incompatible');
    expect(d.configs).toHaveLength(0);
    expect(c.server.connected()).toBe(1);
  });

  it('incompatible version: closes after basic_info with Kong\'s message and records the status', async () => {
    const c = await cp();
    const d = opened(await dp(c, { version: '3.11.0' }));
    await d.closed;
    await c.line(/data plane version 3\.11\.0 is incompatible with older control plane version 3\.10\.0.*reason=version-incompatible/);
    const row = await c.row((r) => r.sync_status === 'kong_version_incompatible');
    expect(row.version).toBe('3.11.0');
    const d2 = opened(await dp(c, { version: '2.8.0' }));
    await d2.closed;
    await c.line(/data plane version 2\.8\.0 is incompatible with control plane version 3\.10\.0 \(3\.x\.y are accepted\)/);
    expect(c.server.metrics().rejected['version-incompatible']).toBe(2);
  });

  it('400 when node_id or node_version is missing, 404 elsewhere', async () => {
    const c = await cp();
    expect(await dp(c, { query: 'node_hostname=x&node_version=3.10.0' })).toEqual({ kind: 'http', status: 400 });
    await c.line(/\[warn\].*data plane didn't pass the id.*reason=missing-node-id/);
    expect(await dp(c, { query: 'node_id=abc&node_hostname=x' })).toEqual({ kind: 'http', status: 400 });
    await c.line(/data plane didn't pass the version.*id=abc/);
    expect(await dp(c, { path: '/v2/other' })).toEqual({ kind: 'http', status: 404 });
  });

  it('close(): DPs get a close frame', async () => {
    const c = await cp();
    const d = opened(await dp(c));
    await c.line(/data plane connected/);
    await c.server.close();
    expect((await d.closed).code).toBe(1001);
  });

  it('close(): also reaches a DP that has not sent basic_info yet', async () => {
    const c = await cp();
    const d = opened(await dp(c, { basicInfo: false }));
    await c.server.close();
    expect((await d.closed).code).toBe(1001);
  });
});
