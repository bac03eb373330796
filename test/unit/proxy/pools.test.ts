// Upstream pools after a config swap: warm connections stay for origins still in use, and pools for
// origins the new config no longer names are closed (their idle sockets with them).
import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { compileConfig } from '../../../src/proxy/compile.js';
import { Pools, liveKeys } from '../../../src/proxy/upstream/pools.js';
import { config, proxy, send, upstream } from './helpers.js';

/** An upstream that counts the connections it holds open. */
async function counted() {
  const open = new Set<Socket>();
  const u = await upstream((_req, res) => res.end('ok'));
  u.server.on('connection', (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  return { port: u.port, open };
}

const waitFor = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out: ${what}`);
};

const two = (a: number, b: number) => config({
  services: [{ id: 'sa', port: a }, { id: 'sb', port: b }],
  routes: [{ paths: ['/a'], service: 'sa' }, { paths: ['/b'], service: 'sb' }],
});
const onlyB = (b: number) => config({ services: [{ id: 'sb', port: b }], routes: [{ paths: ['/b'], service: 'sb' }] });

describe('upstream pools across swaps', () => {
  it('closes the keep-alive connections of a removed service and keeps those of a remaining one', async () => {
    const [a, b] = [await counted(), await counted()];
    const p = await proxy(two(a.port, b.port));
    expect((await send(p, { path: '/a' })).status).toBe(200);
    expect((await send(p, { path: '/b' })).status).toBe(200);
    await waitFor(() => a.open.size === 1 && b.open.size === 1, 'one pooled connection to each upstream');
    const [held] = [...b.open];

    p.swap(onlyB(b.port));
    await waitFor(() => a.open.size === 0, "the removed service's connection closed");
    // The remaining service's warm connection is the one reused.
    expect((await send(p, { path: '/b' })).status).toBe(200);
    expect([...b.open]).toEqual([held]);
  });

  it('keeps every pool a balanced service can pick and drops the others', () => {
    const cfg = compileConfig(config({
      services: [{ id: 's', host: 'pool', connect_timeout: 1000 }, { id: 'd', host: '127.0.0.1', port: 9001, connect_timeout: 1000 }],
      routes: [{ paths: ['/'], service: 's' }],
      upstreams: [{ id: 'u', name: 'pool' }],
      targets: [{ upstream: 'u', target: '10.0.0.1:81' }, { upstream: 'u', target: '10.0.0.2:82' }],
    }));
    expect([...liveKeys(cfg)].sort()).toEqual(['http://10.0.0.1:81#1000', 'http://10.0.0.2:82#1000', 'http://127.0.0.1:9001#1000']);
    const pools = new Pools();
    const kept = pools.get('http', '10.0.0.1', 81, 1000, null);
    const gone = [pools.get('http', '10.0.0.3', 81, 1000, null), pools.get('http', '10.0.0.1', 81, 2000, null), pools.get('https', '10.0.0.1', 81, 1000, null)];
    expect(pools.retainFor(cfg)).toBe(3);
    expect(pools.size).toBe(1);
    expect(gone.every((g) => g.closed)).toBe(true);
    expect(kept.closed).toBe(false);
    expect(pools.get('http', '10.0.0.1', 81, 1000, null)).toBe(kept);
    return pools.close();
  });
});
