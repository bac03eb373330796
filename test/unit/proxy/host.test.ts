// What compile and the proxy do with hosts (Kong's rules live in src/entities/ip.ts, tested there):
// compile refuses what Kong refuses, and a request that cannot be sent (or throws) never takes the
// proxy down with it.
import { describe, expect, it } from 'vitest';
import { compileConfig } from '../../../src/proxy/compile.js';
import { startProxy } from '../../../src/proxy/server.js';
import { InvalidConfigTableError } from '../../../src/proxy/validate-table.js';
import { onTestFinished } from 'vitest';
import { config, quietLog, send, upstream } from './helpers.js';

describe('compile and the proxy with hosts', () => {
  it('compile refuses a service host or target Kong refuses, naming it', () => {
    for (const host of ['999.1.1.1', '4294967296', '1.1.1.1.1.1', '[1::1::1]']) {
      const table = config({ services: [{ id: 's', host }], routes: [{ paths: ['/x'], service: 's' }] });
      expect(() => compileConfig(table), host).toThrow(InvalidConfigTableError);
      expect(() => compileConfig(table), host).toThrow(`services.1.host: invalid value: ${host}`);
    }
    const targets = config({ upstreams: [{ id: 'u', name: 'pool' }], targets: [{ upstream: 'u', target: '300.0.0.1:80' }] });
    expect(() => compileConfig(targets)).toThrow("targets.1.target: Invalid target ('300.0.0.1:80'); not a valid hostname or ip address");
  });

  it('reads an ipv4 host with leading zeros as Kong does (decimal), and [::1] as ::1', () => {
    const cfg = compileConfig(config({ services: [{ id: 'a', host: '010.000.000.001' }, { id: 'b', host: '[::1]' }] }));
    expect(cfg.services.get('a')!.host).toBe('10.0.0.1');
    expect(cfg.services.get('b')!.host).toBe('0000:0000:0000:0000:0000:0000:0000:0001');
  });

  it('a request no connection can be made for answers 503 on that route only; the proxy serves on', async () => {
    const up = await upstream((_q, s) => s.end('fine'));
    const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: quietLog() });
    onTestFinished(() => p.close());
    // Past validation (swap takes what it is given): no origin can be built for this port, which
    // used to throw inside the request handler, and kill the worker, on every request.
    p.swap(config({
      services: [{ id: 'bad', port: 70_000 }, { id: 'ok', port: up.port }],
      routes: [{ paths: ['/bad'], service: 'bad' }, { paths: ['/ok'], service: 'ok' }],
    }));
    for (let i = 0; i < 20; i++) {
      const bad = await send(p, { path: '/bad' });
      expect(bad.status).toBe(503);
      expect(JSON.parse(bad.body)).toEqual({ message: 'name resolution failed' });
      const ok = await send(p, { path: '/ok' });
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('fine');
    }
  });

  it('a request that throws inside the proxy gets a 500, and the next requests are served', async () => {
    const up = await upstream((_q, s) => s.end('fine'));
    const p = await startProxy({ listen: { host: '127.0.0.1', port: 0 }, log: quietLog() });
    onTestFinished(() => p.close());
    // Past validation (swap takes what it is given): a redirect status node cannot write throws in the handler.
    const table = config({ services: [{ id: 'ok', port: up.port }], routes: [{ paths: ['/tls'], protocols: ['https'] }, { paths: ['/ok'], service: 'ok' }] });
    (table.routes![0] as { https_redirect_status_code: number }).https_redirect_status_code = 1000;
    p.swap(table);
    for (let i = 0; i < 5; i++) {
      const r = await send(p, { path: '/tls' });
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toEqual({ message: 'An unexpected error occurred' });
      expect((await send(p, { path: '/ok' })).body).toBe('fine');
    }
  });
});
