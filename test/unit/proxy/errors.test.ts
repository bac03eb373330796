// Kong's own responses from the proxy: no route, no service, upstream down, upstream too slow.
import { describe, expect, it } from 'vitest';
import { config, deadPort, proxy, send, upstream } from './helpers.js';

describe('proxy error responses', () => {
  it('answers 404 with Kong\'s JSON before any config is loaded', async () => {
    const p = await proxy();
    expect(p.ready()).toBe(false);
    const r = await send(p, { path: '/anything' });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers.server).toBe('kong/3.10.0');
    expect(r.headers['x-kong-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.headers['x-kong-response-latency']).toMatch(/^\d+$/);
    expect(JSON.parse(r.body)).toEqual({ message: 'no Route matched with those values' });
  });

  it('answers 404 when no route matches a loaded config', async () => {
    const p = await proxy(config({ services: [{ id: 's1' }], routes: [{ paths: ['/only'], service: 's1' }] }));
    expect(p.ready()).toBe(true);
    const r = await send(p, { path: '/other' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).message).toBe('no Route matched with those values');
  });

  it('answers 503 for a route without a service', async () => {
    const p = await proxy(config({ routes: [{ paths: ['/serviceless'] }] }));
    const r = await send(p, { path: '/serviceless' });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ message: 'no Service found with those values' });
  });

  it('drops routes of a disabled service', async () => {
    const up = await upstream((_q, s) => s.end('ok'));
    const p = await proxy(config({ services: [{ id: 'off', port: up.port, enabled: false }], routes: [{ paths: ['/x'], service: 'off' }] }));
    expect((await send(p, { path: '/x' })).status).toBe(404);
  });

  it('answers 502 when the upstream refuses connections', async () => {
    const port = await deadPort();
    const p = await proxy(config({ services: [{ id: 's', port, retries: 2 }], routes: [{ paths: ['/'], service: 's' }] }));
    const r = await send(p, { path: '/' });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toEqual({ message: 'An invalid response was received from the upstream server' });
  });

  it('answers 504 when the upstream does not answer within read_timeout', async () => {
    const up = await upstream(() => { /* never answers */ });
    const p = await proxy(config({ services: [{ id: 's', port: up.port, read_timeout: 150 }], routes: [{ paths: ['/'], service: 's' }] }));
    const r = await send(p, { path: '/slow' });
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body).message).toBe('The upstream server is timing out');
  });

  it('answers 426 for an https-only route over plain http', async () => {
    const p = await proxy(config({ services: [{ id: 's' }], routes: [{ paths: ['/'], service: 's', protocols: ['https'] }] }));
    const r = await send(p, { path: '/' });
    expect(r.status).toBe(426);
    expect(JSON.parse(r.body).message).toBe('Please use HTTPS protocol');
  });
});
