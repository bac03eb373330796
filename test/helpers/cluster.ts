// A control plane and data planes as real `hybridctl` processes on loopback, with a pki from gen-cert.
import { expect } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { freePort } from './net.js';
import { startDaemon, listenOf, type Daemon } from './daemon.js';

export async function upstream(): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url, host: req.headers.host }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

export async function pki(dir: string, extra: string[] = []) {
  const r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '--cp-hostname', 'localhost', '--cp-hostname', '127.0.0.1', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return (f: string) => join(dir, f);
}

export async function startCp(p: (f: string) => string, prefix: string, extra: string[] = []): Promise<{ d: Daemon; admin: string; cluster: number }> {
  const [cluster, admin] = [await freePort(), await freePort()];
  const d = startDaemon([
    'cp', 'run', '--prefix', prefix,
    '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
    '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off',
    ...extra,
  ]);
  await d.waitFor((l) => l.msg === 'control plane started', 20_000, 'control plane start');
  return { d, admin: `http://127.0.0.1:${admin}`, cluster };
}

export async function startDp(p: (f: string) => string, prefix: string, cluster: number, extra: string[] = [], env: Record<string, string | undefined> = {}): Promise<{ d: Daemon; proxy: string; status: string }> {
  const [proxy, status] = [await freePort(), await freePort()];
  const d = startDaemon([
    'dp', 'run', '--prefix', prefix, '--cp-address', `localhost:${cluster}`,
    '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'),
    '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', `127.0.0.1:${status}`, '--nginx-worker-processes', '1',
    ...extra,
  ], env);
  const started = await d.waitFor((l) => l.msg === 'data plane started', 20_000, 'data plane start');
  const first = listenOf(String(started.proxy_listen).split(',')[0]).port;
  if (!extra.includes('--proxy-listen')) expect(first).toBe(proxy);
  return { d, proxy: `http://127.0.0.1:${first}`, status: `http://127.0.0.1:${status}` };
}

export async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}${last ? ` (${String(last)})` : ''}`);
}

export const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });


/** One GET on a connection of its own: the status and Kong's request id. */
export function getOnce(url: string, headers: Record<string, string> = {}): Promise<{ status: number; id: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, id: String(res.headers['x-kong-request-id'] ?? '') }));
    }).on('error', reject).end();
  });
}
