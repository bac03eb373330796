// SIGHUP on a running data plane: a rotated cluster certificate is taken into use without a
// restart (Kong needs one) — the CP connection is re-established with it while proxied traffic,
// in flight or new, keeps flowing. A broken rotation is refused and the old certificate stays.
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';

async function holdingUpstream() {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) held.push(res);
    else res.end('fast');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, held, close: () => new Promise((r) => server.close(r)) };
}

type Row = { id: string; cert_details?: { expiry_timestamp?: number } };
const rows = async (admin: string): Promise<Row[]> => ((await (await fetch(`${admin}/clustering/data-planes`)).json()) as { data: Row[] }).data;
const expiryOf = (file: string) => Math.floor(new Date(new X509Certificate(readFileSync(file)).validTo).getTime() / 1000);

describe('dp reload', () => {
  it('rotates the cluster certificate: the CP sees the new one, a long request through the proxy survives', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const issued = await runCli(['gen-cert', '--mode', 'pki', '--profile', 'dp', '--issuer-cert', p('intermediate-1.crt'), '--issuer-key', p('intermediate-1.key'),
      '--out-cert', join(dir, 'dp2.crt'), '--out-key', join(dir, 'dp2.key'), '--days', '30']);
    expect(issued.code, issued.stderr).toBe(0);
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(p('dp.crt'), live.cert);
    copyFileSync(p('dp.key'), live.key);

    const up = await holdingUpstream();
    const cp = await startCp(p, join(dir, 'cp'));
    const prefix = join(dir, 'dp');
    const dp = await startDp(p, prefix, cp.cluster, ['--cert-file', live.cert, '--key-file', live.key]);
    expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
    expect((await post(`${cp.admin}/services/up/routes`, { name: 'r', paths: ['/'] })).status).toBe(201);
    await until(async () => (await fetch(`${dp.proxy}/fast`)).status === 200, 'route served');
    const oldExpiry = expiryOf(p('dp.crt'));
    const newExpiry = expiryOf(join(dir, 'dp2.crt'));
    expect(newExpiry).not.toBe(oldExpiry);
    await until(async () => (await rows(cp.admin))[0]?.cert_details?.expiry_timestamp === oldExpiry, 'CP row with the first certificate');

    const inFlight = fetch(`${dp.proxy}/slow`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await until(async () => up.held.length === 1, 'the slow request reached the upstream');
    copyFileSync(join(dir, 'dp2.crt'), live.cert);
    copyFileSync(join(dir, 'dp2.key'), live.key);
    const connects = dp.d.lines.filter((l) => l.msg === 'connected to the control plane').length;
    const r = await runCli(['dp', 'reload', '-p', prefix]);
    expect(r.code, r.stderr).toBe(0);
    await dp.d.waitFor((l) => l.msg === 'reconnecting to the control plane with the new cluster certificate', 20_000, 'reconnect');
    await until(async () => dp.d.lines.filter((l) => l.msg === 'connected to the control plane').length > connects, 'reconnected');
    await until(async () => (await rows(cp.admin))[0]?.cert_details?.expiry_timestamp === newExpiry, 'CP row with the rotated certificate');
    expect(await rows(cp.admin)).toHaveLength(1);
    // The proxy never stopped: new requests answer, and the held one completes.
    expect((await fetch(`${dp.proxy}/fast`)).status).toBe(200);
    up.held[0]!.end('slow done');
    expect(await inFlight).toEqual({ status: 200, body: 'slow done' });
    expect(dp.d.proc.exitCode).toBeNull();
    expect(dp.d.lines.some((l) => l.msg.startsWith('reload refused'))).toBe(false);
    await up.close();
  });

  it('refuses a rotation whose key does not belong to the certificate, and keeps the old connection', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(p('dp.crt'), live.cert);
    copyFileSync(p('dp.key'), live.key);
    const cp = await startCp(p, join(dir, 'cp'));
    const prefix = join(dir, 'dp');
    const dp = await startDp(p, prefix, cp.cluster, ['--cert-file', live.cert, '--key-file', live.key]);
    await dp.d.waitFor((l) => l.msg === 'connected to the control plane', 20_000, 'connected');
    copyFileSync(p('cp.key'), live.key);
    expect((await runCli(['dp', 'reload', '-p', prefix])).code).toBe(0);
    const refused = await dp.d.waitFor((l) => l.msg.startsWith('reload refused'), 20_000, 'refused');
    expect(refused.msg).toContain('cluster_cert_key is not the private key of cluster_cert');
    expect(refused.msg).not.toMatch(/BEGIN|PRIVATE KEY/);
    // Nothing was torn down: one connection, still up, and the CP still lists this node.
    expect(dp.d.lines.filter((l) => l.msg === 'connected to the control plane')).toHaveLength(1);
    expect(dp.d.lines.some((l) => l.msg.startsWith('reconnecting'))).toBe(false);
    expect((await rows(cp.admin)).length).toBe(1);
    // An unreadable certificate file is refused the same way.
    writeFileSync(live.cert, 'not a certificate\n');
    copyFileSync(p('dp.key'), live.key);
    process.kill(dp.d.proc.pid!, 'SIGHUP');
    await until(async () => dp.d.lines.filter((l) => l.msg.startsWith('reload refused')).length === 2, 'second refusal');
    expect(dp.d.proc.exitCode).toBeNull();
  });
});

describe('cp reload', () => {
  it('rotates the cluster certificate and CA for new connections; a connected DP stays connected', async () => {
    const dir = tempDir();
    const oldPki = await pki(join(dir, 'old'));
    const newPki = await pki(join(dir, 'new'));
    const live = (f: string) => join(dir, `live-${f}`);
    for (const f of ['cp.crt', 'cp.key', 'ca.crt']) copyFileSync(oldPki(f), live(f));
    const prefix = join(dir, 'cp');
    const cp = await startCp(live, prefix);
    const before = await startDp(oldPki, join(dir, 'dp-old'), cp.cluster);
    await before.d.waitFor((l) => l.msg === 'connected to the control plane', 20_000, 'old DP connected');
    for (const f of ['cp.crt', 'cp.key', 'ca.crt']) copyFileSync(newPki(f), live(f));
    expect((await runCli(['cp', 'reload', '-p', prefix])).code).toBe(0);
    await cp.d.waitFor((l) => l.msg === 'configuration reloaded', 20_000, 'reloaded');
    expect(cp.d.lines.some((l) => l.msg.startsWith('cluster certificate reloaded'))).toBe(true);
    const after = await startDp(newPki, join(dir, 'dp-new'), cp.cluster);
    await after.d.waitFor((l) => l.msg === 'connected to the control plane', 20_000, 'new DP connected');
    await until(async () => (await rows(cp.admin)).length === 2, 'both DPs listed');
    expect(before.d.lines.filter((l) => l.msg.startsWith('disconnected'))).toHaveLength(0);
  });
});

describe('disconnect log line', () => {
  it('names no reason when the control plane gave none (no reason=undefined)', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cp = await startCp(p, join(dir, 'cp'));
    const dp = spawn(process.execPath, [BIN, 'dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', `localhost:${cp.cluster}`, '--cluster-mtls', 'pki',
      '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '--proxy-listen', `127.0.0.1:${await freePort()}`,
      '--status-listen', 'off', '--nginx-worker-processes', '1', '--log-format', 'text'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    dp.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise((r) => dp.on('exit', r));
    try {
      await until(async () => text.includes('connected to the control plane'), 'DP connected');
      // The CP forgets the DP without a close frame: the socket just ends.
      cp.d.proc.kill('SIGKILL');
      await until(async () => text.includes('disconnected from the control plane'), 'disconnect line');
      const line = text.split('\n').find((l) => l.includes('disconnected from the control plane'))!;
      expect(line).not.toContain('undefined');
      expect(line).toMatch(/code=\d+/);
    } finally {
      dp.kill('SIGTERM');
      await exited;
    }
  });
});
