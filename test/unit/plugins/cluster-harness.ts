// The same harness with real processes: a `hybridctl cp run` and a `hybridctl dp run` joined by
// mTLS, the declarative document sent to the CP's POST /config, requests sent to the DP's proxy
// once it serves that configuration. Kong's plugin specs run through here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../../helpers/cli.js';
import { freePort } from '../../helpers/net.js';
import { generateSharedPair } from '../../../src/pki/generate.js';
import { echoUpstream, sendTo, type Harness, type HarnessOptions } from './harness.js';

interface Proc { child: ChildProcess; lines: Record<string, unknown>[]; raw: () => string; wait(pred: (l: Record<string, unknown>) => boolean, what: string, ms?: number): Promise<Record<string, unknown>> }

function run(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args, '--log-format', 'json'], { env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  let partial = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    raw += d.toString();
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        lines.push({ msg: p });
      }
    }
    for (const w of waiters) w();
  });
  child.on('exit', () => { for (const w of waiters) w(); });
  return {
    child, lines, raw: () => raw,
    wait: (pred, what, ms = 20_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${what}:\n${raw}`)); }, ms);
      const check = () => {
        const hit = lines.find(pred);
        if (hit) { clearTimeout(timer); waiters.delete(check); resolve(hit); }
        else if (child.exitCode !== null) { clearTimeout(timer); waiters.delete(check); reject(new Error(`exited before ${what}:\n${raw}`)); }
      };
      waiters.add(check);
      check();
    }),
  };
}

const stop = (p: Proc) => new Promise<void>((done) => {
  if (p.child.exitCode !== null) return done();
  p.child.once('exit', () => done());
  p.child.kill('SIGTERM');
  setTimeout(() => p.child.kill('SIGKILL'), 10_000).unref();
});

export async function clusterHarness(doc: Record<string, unknown>, opts: Pick<HarnessOptions, 'upstream'> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'hybridctl-plugins-'));
  const pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
  writeFileSync(join(dir, 'cluster.crt'), pair.certPem);
  writeFileSync(join(dir, 'cluster.key'), pair.keyPem, { mode: 0o600 });
  const certs = ['--cluster-mtls', 'shared', '--cluster-cert', join(dir, 'cluster.crt'), '--cluster-cert-key', join(dir, 'cluster.key')];
  const up = await echoUpstream(opts.upstream);
  const [cluster, admin, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const cp = run(['cp', 'run', '--prefix', join(dir, 'cp'), ...certs, '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off']);
  const dp = run(['dp', 'run', '--prefix', join(dir, 'dp'), ...certs, '--cp-address', `127.0.0.1:${cluster}`, '--proxy-listen', `127.0.0.1:${proxyPort}`, '--status-listen', 'off', '--nginx-worker-processes', '1']);
  const close = async () => {
    await Promise.all([stop(dp), stop(cp)]);
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await cp.wait((l) => l.msg === 'control plane started', 'control plane start');
    await dp.wait((l) => l.msg === 'data plane started', 'data plane start');
    const services = ((doc.services as Record<string, unknown>[] | undefined) ?? []).map((s) => ({ url: `http://127.0.0.1:${up.port}`, ...s }));
    const res = await fetch(`http://127.0.0.1:${admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ _format_version: '3.0', ...doc, services }) });
    if (res.status !== 201) throw new Error(`POST /config answered ${res.status}: ${await res.text()}`);
    const { configuration_hash: hash } = (await (await fetch(`http://127.0.0.1:${admin}/status`)).json()) as { configuration_hash: string };
    await dp.wait((l) => l.msg === 'configuration applied' && l.config_hash === hash, 'the configuration on the data plane');
  } catch (err) {
    await close();
    throw err;
  }
  return {
    close,
    proxy: { address: { host: '127.0.0.1', port: proxyPort } } as Harness['proxy'],
    upstreamPort: up.port,
    lines: dp.lines,
    send: (o) => sendTo(proxyPort, o),
  };
}
