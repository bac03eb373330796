// What the cluster benchmarks share: free ports, `hybridctl` daemons whose JSON log lines can be
// waited for, waiting for an Admin API to answer, and a control plane with a PKI and a config.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const BIN = new URL('../bin/hybridctl.js', import.meta.url).pathname;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () => new Promise((done) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => done(port));
  });
});

/** A daemon with JSON logs: every line parsed and kept; waitFor resolves with the first match. */
export function daemon(args) {
  const proc = spawn(process.execPath, [BIN, ...args, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let buf = '';
  const take = (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        /* not a log line */
      }
    }
  };
  proc.stdout.on('data', take);
  proc.stderr.on('data', take);
  const waitFor = async (pred, what, ms = 180_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = lines.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };
  return { proc, lines, waitFor };
}

/** Resolves once the Admin API at `url` answers. */
export async function adminUp(url, tries = 200) {
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/status`);
      return;
    } catch {
      if (i > tries) throw new Error('control plane did not start');
      await sleep(100);
    }
  }
}

/**
 * A control plane with a fresh PKI under `dir`, `services` imported. Returns the CP daemon, its
 * ports and Admin URL, and `p(file)` for the PKI's files (DPs need them).
 */
export async function startCp(dir, services) {
  const pki = join(dir, 'pki');
  execFileSync(process.execPath, [BIN, 'gen-cert', '--mode', 'pki', '--out-dir', pki, '--cp-hostname', 'localhost', '--cp-hostname', '127.0.0.1'], { stdio: 'ignore' });
  const p = (f) => join(pki, f);
  const [cluster, admin] = [await freePort(), await freePort()];
  const cp = daemon(['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
    '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off', '--log-level', 'warn']);
  const adminUrl = `http://127.0.0.1:${admin}`;
  try {
    await adminUp(adminUrl);
    const r = await fetch(`${adminUrl}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ _format_version: '3.0', services }) });
    if (r.status !== 201) throw new Error(`import: ${r.status} ${await r.text()}`);
  } catch (err) {
    cp.proc.kill();
    throw err;
  }
  return { cp, cluster, adminUrl, p };
}
