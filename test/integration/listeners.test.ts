// Every entry of admin_listen, status_listen and cluster_listen is served, `ssl` ones over TLS with
// <name>_ssl_cert, or a self-signed default generated into <prefix>/ssl as Kong's
// prefix_handler.lua gen_default_ssl_cert does (Kong's default admin_listen has `8444 http2 ssl`).
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { pki, startDp } from '../helpers/cluster.js';
import { startDaemon } from '../helpers/daemon.js';

/** GET over TLS trusting only `ca`; resolves with the status and the certificate presented. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; peer: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false }, (res) => {
      const peer = (res.socket as unknown as { getPeerX509Certificate(): X509Certificate }).getPeerX509Certificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listener entries', () => {
  it('serves two plain admin entries and an ssl one with a generated default certificate (key 0600)', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const prefix = join(dir, 'cp');
    const [cluster, a1, a2, tls] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const d = startDaemon(['cp', 'run', '--prefix', prefix, '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
      '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${a1} reuseport backlog=16384, 127.0.0.1:${a2}, 127.0.0.1:${tls} http2 ssl`, '--status-listen', 'off']);
    const started = await d.waitFor((l) => l.msg === 'control plane started', 20_000, 'start');
    expect(started.admin_listen).toBe(`127.0.0.1:${a1}, 127.0.0.1:${a2}, 127.0.0.1:${tls} ssl`);
    for (const port of [a1, a2]) expect((await fetch(`http://127.0.0.1:${port}/status`)).status).toBe(200);
    const crt = join(prefix, 'ssl', 'admin-kong-default.crt');
    const key = join(prefix, 'ssl', 'admin-kong-default.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const r = await httpsGet(tls, '/status', readFileSync(crt, 'utf8'));
    expect(r.status).toBe(200);
    expect(r.peer).toBe(new X509Certificate(readFileSync(crt)).fingerprint256);
    // Plain HTTP on the ssl entry is not served as plain.
    await expect(fetch(`http://127.0.0.1:${tls}/status`)).rejects.toThrow();
    const generated = d.lines.find((l) => l.msg.startsWith('no admin_ssl_cert configured'));
    expect(generated?.cert_file).toBe(crt);
  });

  it('serves status ssl entries with status_ssl_cert, and a DP reaches the CP on its second cluster_listen entry', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const [c1, c2, admin, s1, s2] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const d = startDaemon(['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
      '--cluster-listen', `127.0.0.1:${c1}, 127.0.0.1:${c2}`, '--admin-listen', `127.0.0.1:${admin}`,
      '--status-listen', `127.0.0.1:${s1}, 127.0.0.1:${s2} ssl`, '--status-ssl-cert', p('cp.crt'), '--status-ssl-cert-key', p('cp.key')]);
    const started = await d.waitFor((l) => l.msg === 'control plane started', 20_000, 'start');
    expect(started.cluster_listen).toBe(`127.0.0.1:${c1}, 127.0.0.1:${c2}`);
    expect((await fetch(`http://127.0.0.1:${s1}/status`)).status).toBe(200);
    const r = await httpsGet(s2, '/status', readFileSync(p('ca.crt'), 'utf8'));
    expect(r.status).toBe(200);
    expect(r.peer).toBe(new X509Certificate(readFileSync(p('cp.crt'))).fingerprint256);
    const dp = await startDp(p, join(dir, 'dp'), c2);
    await dp.d.waitFor((l) => l.msg === 'connected to the control plane', 20_000, 'DP connected on the second entry');
    await d.waitFor((l) => l.msg === 'data plane connected', 20_000, 'CP saw the DP');
  });
});
