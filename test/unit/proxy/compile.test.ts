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

  it('applies Kong service defaults to null fields and records enabled plugins', () => {
    const table = config({ services: [{ id: 's' }], routes: [{ paths: ['/'], service: 's' }] });
    table.services![0]!.port = null;
    table.services![0]!.retries = null;
    table.plugins = [{ name: 'key-auth', enabled: true }, { name: 'cors', enabled: false }];
    const c = compileConfig(table);
    expect(c.services.get('s')).toMatchObject({ port: 80, retries: 5, path: '/', tlsVerify: false });
    expect(c.plugins.map((p) => p.name)).toEqual(['key-auth']);
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
