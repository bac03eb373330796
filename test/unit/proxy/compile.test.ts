// Compiling a config_table: what is kept, dropped and carried over between swaps.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { compileConfig } from '../../../src/proxy/compile.js';
import { generateSharedPair } from '../../../src/pki/generate.js';
import { config, proxy, send } from './helpers.js';

const pooled = (targets: { upstream: string; target: string; weight?: number }[]) => config({
  services: [{ id: 's', host: 'pool' }], routes: [{ paths: ['/'], service: 's' }],
  upstreams: [{ id: 'u', name: 'pool' }], targets,
});

describe('compileConfig', () => {
  it('keeps balancer state across swaps while the targets stay the same', () => {
    const first = compileConfig(pooled([{ upstream: 'u', target: '10.0.0.1:80' }]));
    const same = compileConfig(pooled([{ upstream: 'u', target: '10.0.0.1:80' }]), first);
    const changed = compileConfig(pooled([{ upstream: 'u', target: '10.0.0.2:80' }]), same);
    expect(same.balancers.get('pool')).toBe(first.balancers.get('pool'));
    expect(changed.balancers.get('pool')).not.toBe(first.balancers.get('pool'));
  });

  it('applies Kong service defaults to null fields and chains enabled plugins only', () => {
    const table = config({ services: [{ id: 's' }], routes: [{ paths: ['/'], service: 's' }] });
    table.services![0]!.port = null;
    table.services![0]!.retries = null;
    table.plugins = [{ id: 'p1', name: 'key-auth', enabled: true }, { id: 'p2', name: 'not-a-plugin', enabled: false }];
    const c = compileConfig(table);
    expect(c.services.get('s')).toMatchObject({ port: 80, retries: 5, path: '/', tls: null });
    expect(c.plan.globals.map((i) => i.module.name)).toEqual(['key-auth']);
    expect([...c.plan.chains.values()][0]!.entries.map((e) => e.module.name)).toEqual(['key-auth']);
  });

  it('refuses a config naming a plugin this node does not run, or one it cannot configure', () => {
    const base = () => config({ services: [{ id: 's' }], routes: [{ paths: ['/'], service: 's' }] });
    const unknown = base();
    unknown.plugins = [{ id: 'p1', name: 'does-not-exist' }];
    expect(() => compileConfig(unknown)).toThrow('does-not-exist plugin is in use but not enabled');
    const restricted = base();
    restricted.plugins = [{ id: 'p1', name: 'key-auth' }];
    expect(() => compileConfig(restricted, null, new Map())).toThrow('key-auth plugin is in use but not enabled');
    const bad = base();
    bad.plugins = [{ id: 'p1', name: 'key-auth', config: { key_names: 'apikey', bogus: 1 } }];
    expect(() => compileConfig(bad)).toThrow(/config.key_names: expected an array; config.bogus: unknown field|config.bogus: unknown field/);
  });

  it('ignores stream routes', () => {
    const c = compileConfig(config({ services: [{ id: 's' }], routes: [{ paths: ['/'], service: 's', protocols: ['tcp'] }] }));
    expect(c.router.size).toBe(0);
  });
});

describe('https upstreams', () => {
  it('does not verify the upstream certificate unless tls_verify is set (Kong default)', async () => {
    const pair = await generateSharedPair({ now: new Date() });
    const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (_q, s) => s.end('secure'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    onTestFinished(() => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }));
    const port = (server.address() as AddressInfo).port;
    const table = config({ services: [{ id: 's', port }], routes: [{ paths: ['/'], service: 's' }] });
    table.services![0]!.protocol = 'https';
    const p = await proxy(table);
    const r = await send(p, { path: '/' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('secure');
    expect(Number(r.headers['x-kong-upstream-latency'])).toBeGreaterThanOrEqual(0);
    table.services![0]!.tls_verify = true;
    p.swap(table);
    expect((await send(p, { path: '/' })).status).toBe(502);
  });
});
