// The control plane's /v2/outlet in process, with short timers: Kong's RPC liveness (ping after
// silence, drop after PING_WAIT), the hello timeout, notifications on push, close frames on stop.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { startCp, type TestCp } from './cluster-cp-dp.js';
import { KongDp, type KongDpOptions } from '../helpers/kong-rpc.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let pair: Issued;
beforeAll(async () => {
  pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
});

const TABLE = (n: number) => ({ _format_version: '3.0', _transform: false, services: [{ id: '0855b320-0dd2-547d-891d-601e9b38647f', name: `s${n}`, host: 'example.test', port: 80, protocol: 'http', enabled: true }] });

async function cp(o: { rpcPingMs?: number; pingTimeoutMs?: number; basicInfoTimeoutMs?: number } = {}): Promise<TestCp> {
  const c = await startCp({ mode: 'shared', certPem: pair.certPem, keyPem: pair.keyPem, ...o });
  cleanup.push(() => c.server.close());
  return c;
}
const dpOpts = (c: TestCp): KongDpOptions => ({ port: c.port, certPem: pair.certPem, keyPem: pair.keyPem, caPem: pair.certPem, servername: 'kong_clustering' });

describe('/v2/outlet liveness and lifecycle', () => {
  it('pings a silent DP after the ping interval and drops it when no pong comes within PING_WAIT', async () => {
    const c = await cp({ rpcPingMs: 150, pingTimeoutMs: 700 });
    c.setConfig(TABLE(1));
    const dp = await KongDp.connect({ ...dpOpts(c), autoPong: false });
    let pings = 0;
    dp.ws.on('ping', () => (pings += 1));
    expect(c.server.metrics()).toMatchObject({ connected: 1, connectedV2: 1 });
    await dp.closed;
    expect(pings).toBeGreaterThan(0);
    await c.line(/RPC connection broken: did not receive ping frame from other end within 1 seconds/);
    expect(c.server.connected()).toBe(0);
  });

  it('keeps a DP that answers the pings, past PING_WAIT', async () => {
    const c = await cp({ rpcPingMs: 150, pingTimeoutMs: 500 });
    c.setConfig(TABLE(1));
    const dp = await KongDp.connect(dpOpts(c));
    let closed = false;
    void dp.closed.then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(closed).toBe(false);
    expect(c.server.connected()).toBe(1);
    dp.close();
  });

  it('drops a connection that never says hello', async () => {
    const c = await cp({ basicInfoTimeoutMs: 300 });
    const ws = new WebSocket(`wss://127.0.0.1:${c.port}/v2/outlet`, ['kong.meta.v1'], { cert: pair.certPem, key: pair.keyPem, ca: pair.certPem, servername: 'kong_clustering' } as WebSocket.ClientOptions);
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => ws.once('close', r));
    await c.line(/unable to handshake with client: timeout/);
  });

  it('notifies each push with a greater version, and sends a close frame when it stops', async () => {
    const c = await cp();
    c.setConfig(TABLE(1));
    const dp = await KongDp.connect(dpOpts(c));
    c.setConfig(TABLE(2));
    c.server.push();
    const n1 = await dp.calls.find((m) => m.method === 'kong.sync.v2.notify_new_version');
    c.setConfig(TABLE(3));
    c.server.push();
    const n2 = await dp.calls.find((m) => m.method === 'kong.sync.v2.notify_new_version' && m !== n1);
    const version = (m: Record<string, unknown>) => (m.params as [{ default: { new_version: string } }])[0].default.new_version;
    expect(version(n2) > version(n1)).toBe(true);
    const answer = await dp.call('kong.sync.v2.get_delta', [{ default: { version: version(n1) } }]);
    expect((answer.result as { default: { deltas: { entity: { name?: string } }[] } }).default.deltas[1]!.entity.name).toBe('s3');
    await c.server.close();
    expect(await dp.closed).toBe(1001);
  });
});
