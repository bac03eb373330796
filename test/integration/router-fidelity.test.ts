// Kong's router behaviour through a real data plane (declarative_config, raw HTTP requests):
// header names with '_' match '-' request headers, "~*" regexes ignore case on both sides, the path
// is matched percent-decoded (kong/tools/uri.lua normalize) and forwarded re-escaped (uri.escape).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { stringify } from 'yaml';
import { freePort } from '../helpers/net.js';
import { pki, startDp, upstream } from '../helpers/cluster.js';
import type { Daemon } from '../helpers/daemon.js';

let dp: { d: Daemon; proxy: string };
let dir: string;
let up: Awaited<ReturnType<typeof upstream>>;

/** One raw request, so the path reaches the DP byte for byte. */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(dp.proxy);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: example.test\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`);
    });
    let data = '';
    s.on('data', (c) => (data += c.toString('utf8')));
    s.on('end', () => resolve({ status: Number(data.split(' ')[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
    s.on('error', reject);
  });
}
const upstreamPathOf = (body: string): string => {
  const start = body.indexOf('{');
  return (JSON.parse(body.slice(start, body.lastIndexOf('}') + 1)) as { path: string }).path;
};

async function start(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridctl-router-'));
  up = await upstream();
  const p = await pki(join(dir, 'pki'));
  const file = join(dir, 'kong.yml');
  writeFileSync(file, stringify({
    _format_version: '3.0',
    services: [{
      name: 'echo', url: `http://127.0.0.1:${up.port}`,
      routes: [
        { name: 'underscore', paths: ['/hdr'], headers: { x_api_version: ['v2'] } },
        { name: 'regex', paths: ['/re'], headers: { 'x-agent': ['~*LINUX'] } },
        { name: 'decoded', paths: ['/users/john doe'], strip_path: false },
        { name: 'reserved', paths: ['/endel%2Fst'], strip_path: false },
        { name: 'strip-decoded', paths: ['~/strip/[^/]+'], strip_path: true },
      ],
    }],
  }));
  dp = await startDp(p, join(dir, 'dp'), await freePort(), ['--declarative-config', file]);
}
afterAll(() => {
  up?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('router fidelity through a data plane', () => {
  // startDaemon ties the process to the test that starts it, so one test drives all four checks.
  it('headers, ~* regexes, decoded matching and escaped forwarding, as Kong does', async () => {
    await start();
    // A route header x_api_version matches the request header X-Api-Version.
    expect((await raw('/hdr', { 'X-Api-Version': 'V2' })).status).toBe(200);
    expect((await raw('/hdr', { 'X-Api-Version': 'v1' })).status).toBe(404);
    // A ~* header regex ignores case in the pattern and in the value.
    expect((await raw('/re', { 'X-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' })).status).toBe(200);
    expect((await raw('/re', { 'X-Agent': 'Mozilla/5.0 (Windows NT 10.0)' })).status).toBe(404);
    // The decoded path matches and is forwarded escaped again.
    const decoded = await raw('/users/%6aohn%20doe/profile');
    expect(decoded.status).toBe(200);
    expect(upstreamPathOf(decoded.body)).toBe('/users/john%20doe/profile');
    // Reserved escapes stay encoded (upper-cased) for matching and upstream.
    const reserved = await raw('/endel%2fst');
    expect(reserved.status).toBe(200);
    expect(upstreamPathOf(reserved.body)).toBe('/endel%2Fst');
    // A stripped prefix holding decoded non-ASCII and control characters still proxies.
    const stripped = await raw('/strip/%F0%9F%98%80%0Ax/rest%20here');
    expect(stripped.status).toBe(200);
    expect(upstreamPathOf(stripped.body)).toBe('/rest%20here');
  }, 60_000);
});
