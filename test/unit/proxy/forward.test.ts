// Forwarding: headers, path rewriting, retries, balancing, streaming bodies, WebSockets, config swaps.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { config, deadPort, proxy, send, upstream } from './helpers.js';

const echo = () => upstream((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers }));
});

describe('forwarding', () => {
  it('sets X-Forwarded-* and X-Real-IP, and appends to a client X-Forwarded-For', async () => {
    const up = await echo();
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ paths: ['/api'], service: 's', strip_path: false }] }));
    const r = await send(p, { path: '/api/x?a=1&b=2', headers: { host: 'shop.test:8123', 'x-forwarded-for': '10.1.1.1', 'x-forwarded-proto': 'spoofed' } });
    expect(r.status).toBe(200);
    const got = JSON.parse(r.body);
    expect(got.url).toBe('/api/x?a=1&b=2');
    expect(got.headers['x-forwarded-for']).toBe('10.1.1.1, 127.0.0.1');
    expect(got.headers['x-real-ip']).toBe('127.0.0.1');
    expect(got.headers['x-forwarded-proto']).toBe('http');
    expect(got.headers['x-forwarded-host']).toBe('shop.test');
    expect(got.headers['x-forwarded-port']).toBe(String(p.address.port));
    expect(got.headers['x-forwarded-path']).toBe('/api/x');
    expect(got.headers.host).toBe(`127.0.0.1:${up.port}`);
    expect(r.headers.via).toBe('1.1 kong/3.10.0');
  });

  it('strips the matched prefix, joins the service path and keeps the query', async () => {
    const up = await echo();
    const p = await proxy(config({ services: [{ id: 's', port: up.port, path: '/base' }], routes: [{ paths: ['/pub'], service: 's' }] }));
    expect(JSON.parse((await send(p, { path: '/pub/items?q=1' })).body).url).toBe('/base/items?q=1');
  });

  it('sends the stripped prefix as X-Forwarded-Prefix', async () => {
    const up = await echo();
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ paths: ['/pub'], service: 's' }] }));
    expect(JSON.parse((await send(p, { path: '/pub/a' })).body).headers['x-forwarded-prefix']).toBe('/pub');
  });

  it('drops the upstream request when the client goes away first', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((ok) => (upstreamClosed = ok));
    let arrived!: () => void;
    const hasArrived = new Promise<void>((ok) => (arrived = ok));
    const up = await upstream((req) => { arrived(); req.socket.once('close', () => upstreamClosed()); });
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ paths: ['/'], service: 's' }] }));
    const req = httpRequest({ host: '127.0.0.1', port: p.address.port, path: '/hang', agent: false });
    req.on('error', () => {});
    req.end();
    await hasArrived;
    req.destroy();
    await closed; // would hang until read_timeout (60 s) without the abort
  });

  it('skips a route whose regex cannot be compiled and serves the others', async () => {
    const up = await echo();
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ paths: ['~/bad(('], service: 's' }, { paths: ['/good'], service: 's' }] }));
    expect((await send(p, { path: '/good' })).status).toBe(200);
    expect((await send(p, { path: '/bad' })).status).toBe(404);
  });

  it('preserve_host sends the client Host upstream', async () => {
    const up = await echo();
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ hosts: ['keep.test'], service: 's', preserve_host: true }] }));
    const r = await send(p, { path: '/', headers: { host: 'keep.test' } });
    expect(JSON.parse(r.body).headers.host).toBe('keep.test');
  });

  it('retries a refused connection on the next target', async () => {
    const up = await echo();
    const dead = await deadPort();
    const p = await proxy(config({
      services: [{ id: 's', host: 'pool', port: 80, retries: 3 }],
      routes: [{ paths: ['/'], service: 's' }],
      upstreams: [{ id: 'u', name: 'pool' }],
      targets: [{ upstream: 'u', target: `127.0.0.1:${dead}` }, { upstream: 'u', target: `127.0.0.1:${up.port}` }],
    }));
    for (let i = 0; i < 6; i++) expect((await send(p, { path: '/' })).status).toBe(200);
  });

  it('gives up after service.retries and answers 502', async () => {
    const dead = await deadPort();
    const p = await proxy(config({
      services: [{ id: 's', host: 'pool', retries: 0 }], routes: [{ paths: ['/'], service: 's' }],
      upstreams: [{ id: 'u', name: 'pool' }], targets: [{ upstream: 'u', target: `127.0.0.1:${dead}` }],
    }));
    expect((await send(p, { path: '/' })).status).toBe(502);
  });

  it('spreads requests over targets by weight (round-robin)', async () => {
    const hits = { a: 0, b: 0 };
    const a = await upstream((_q, s) => { hits.a++; s.end(); });
    const b = await upstream((_q, s) => { hits.b++; s.end(); });
    const p = await proxy(config({
      services: [{ id: 's', host: 'pool' }], routes: [{ paths: ['/'], service: 's' }],
      upstreams: [{ id: 'u', name: 'pool' }],
      targets: [{ upstream: 'u', target: `127.0.0.1:${a.port}`, weight: 300 }, { upstream: 'u', target: `127.0.0.1:${b.port}`, weight: 100 }],
    }));
    for (let i = 0; i < 40; i++) await send(p, { path: '/' });
    expect(hits).toEqual({ a: 30, b: 10 });
  });

  it('streams a large body both ways without waiting for its end', async () => {
    let firstChunkSeen!: () => void;
    const upstreamSawFirstChunk = new Promise<void>((ok) => (firstChunkSeen = ok));
    const up = await upstream((req, res) => {
      const hash = createHash('sha256');
      let n = 0;
      req.once('data', () => firstChunkSeen());
      req.on('data', (c: Buffer) => { hash.update(c); n += c.length; });
      req.on('end', () => {
        res.writeHead(200, { 'x-received': String(n), 'x-sha': hash.digest('hex') });
        // 24 MiB back, in pieces
        const piece = Buffer.alloc(1 << 20, 7);
        let left = 24;
        const pump = () => { while (left > 0) { left--; if (!res.write(piece)) return void res.once('drain', pump); } res.end(); };
        pump();
      });
    });
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ paths: ['/up'], service: 's' }] }));
    const body = randomBytes(16 << 20);
    const req = httpRequest({ host: '127.0.0.1', port: p.address.port, path: '/up', method: 'POST', headers: { 'content-length': body.length }, agent: false });
    const resP = once(req, 'response') as Promise<[IncomingMessage]>;
    req.write(body.subarray(0, 1 << 16));
    await upstreamSawFirstChunk; // the proxy forwarded the start before the client sent the rest
    req.end(body.subarray(1 << 16));
    const [res] = await resP;
    expect(res.headers['x-received']).toBe(String(body.length));
    expect(res.headers['x-sha']).toBe(createHash('sha256').update(body).digest('hex'));
    let got = 0;
    for await (const c of res) got += (c as Buffer).length;
    expect(got).toBe(24 << 20);
  });

  it('passes WebSocket upgrades through', async () => {
    const up = await upstream((_q, s) => s.end());
    const wss = new WebSocketServer({ server: up.server });
    wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`${req.url}:${m.toString()}`)));
    const p = await proxy(config({ services: [{ id: 's', port: up.port, path: '/ws' }], routes: [{ paths: ['/live'], service: 's' }] }));
    const ws = new WebSocket(`ws://127.0.0.1:${p.address.port}/live/room1`);
    await once(ws, 'open');
    ws.send('hello');
    const [msg] = await once(ws, 'message');
    expect(String(msg)).toBe('/ws/room1:hello');
    ws.close();
    wss.close();
  });

  it('a config swap does not fail a request already in flight', async () => {
    let release!: () => void;
    const released = new Promise<void>((ok) => (release = ok));
    let arrived!: () => void;
    const hasArrived = new Promise<void>((ok) => (arrived = ok));
    const up = await upstream(async (_q, res) => { arrived(); await released; res.end('finished'); });
    const p = await proxy(config({ services: [{ id: 's', port: up.port }], routes: [{ paths: ['/slow'], service: 's' }] }));
    const inFlight = send(p, { path: '/slow' });
    await hasArrived;
    p.swap(config({ services: [], routes: [] }));
    expect((await send(p, { path: '/slow' })).status).toBe(404);
    release();
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.body).toBe('finished');
  });
});
