// Error lines as an operator meets them: one cluster address reading everywhere, each key named
// once with its path, and hints that point at something that exists.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/net.js';

const URL_MESSAGE = "cluster_control_plane: 'http://cp:8005' is not HOST:PORT: drop the http:// scheme (Kong adds wss:// itself)";

async function sharedPair(dir: string): Promise<void> {
  expect((await runCli(['gen-cert'], { cwd: dir })).code).toBe(0);
}

describe('cluster_control_plane (--cp-address), read one way by every command', () => {
  it('refuses a URL with the same message in dp run, doctor, lint and init dp', async () => {
    const dir = tempDir();
    await sharedPair(dir);
    const pair = ['--cert-file', 'cluster.crt', '--key-file', 'cluster.key'];
    writeFileSync(join(dir, 'dp.conf'), 'role = data_plane\ndatabase = off\ncluster_control_plane = http://cp:8005\ncluster_cert = cluster.crt\ncluster_cert_key = cluster.key\n');
    const runs = {
      dpRun: await runCli(['dp', 'run', '--prefix', 'p', '--cp-address', 'http://cp:8005', ...pair], { cwd: dir, env: { HOME: dir } }),
      doctor: await runCli(['doctor', '--cp-address', 'http://cp:8005', ...pair], { cwd: dir }),
      lint: await runCli(['lint', 'dp.conf'], { cwd: dir }),
      initDp: await runCli(['init', 'dp', '--mode', 'shared', '--cp-address', 'http://cp:8005', '--cluster-cert', 'cluster.crt', '--cluster-key', 'cluster.key'], { cwd: dir }),
    };
    expect(runs.dpRun.code).toBe(2);
    expect(runs.dpRun.stderr).toContain(`  cluster_control_plane: ${URL_MESSAGE.slice('cluster_control_plane: '.length)} — write it as cp:8005`);
    expect(runs.doctor.code).toBe(1);
    expect(runs.doctor.stdout).toContain(URL_MESSAGE.slice('cluster_control_plane: '.length));
    expect(runs.lint.code).toBe(1);
    expect(runs.lint.stdout).toContain(`dp.conf:3 ${URL_MESSAGE} [cluster-address]`);
    expect(runs.initDp.code).toBe(2);
    expect(runs.initDp.stderr).toContain(`error: ${URL_MESSAGE}\n  hint: write it as cp:8005`);
  });

  it('keeps Kong\'s 443 for a host without a port, and says so in lint, init dp and the dp run log', async () => {
    const dir = tempDir();
    await sharedPair(dir);
    const warning = "cluster_control_plane: '127.0.0.1' has no port: the data plane connects to 443 as Kong does";
    writeFileSync(join(dir, 'dp.conf'), `role = data_plane\ndatabase = off\ncluster_control_plane = 127.0.0.1\ncluster_cert = ${dir}/cluster.crt\ncluster_cert_key = ${dir}/cluster.key\n`);
    const lint = await runCli(['lint', 'dp.conf', '-o', 'json'], { cwd: dir });
    expect(JSON.parse(lint.stdout).findings).toContainEqual(expect.objectContaining({ rule: 'control-plane-port', severity: 'warning', message: expect.stringContaining(warning), hint: 'write it as 127.0.0.1:8005' }));
    const init = await runCli(['init', 'dp', '--mode', 'shared', '--cp-address', '127.0.0.1', '--cluster-cert', 'cluster.crt', '--cluster-key', 'cluster.key'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain(`warning: ${warning}`);
    const dp = startDaemon(['dp', 'run', '-c', join(dir, 'dp.conf'), '--prefix', join(dir, 'p'), '--proxy-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off', '--nginx-worker-processes', '1'], { HOME: dir });
    const line = await dp.waitFor((l) => l.msg.includes('has no port'), 20_000, 'the missing-port warning');
    expect(line.level).toBe('warn');
    expect(line.msg).toContain(warning);
  });
});

describe('error lines name the key once, with the path', () => {
  it('a missing key file: dp run and lint say cluster_cert_key once and show the file name', async () => {
    const dir = tempDir();
    await sharedPair(dir);
    writeFileSync(join(dir, 'dp.conf'), 'role = data_plane\ndatabase = off\ncluster_control_plane = cp:8005\ncluster_cert = cluster.crt\ncluster_cert_key = missing.key\n');
    const lint = await runCli(['lint', 'dp.conf'], { cwd: dir });
    expect(lint.stdout).toContain('dp.conf:5 cluster_cert_key: failed loading key from missing.key (no such file) [cluster-file-unreadable]');
    const run = await runCli(['dp', 'run', '--prefix', 'p', '--cp-address', 'cp:8005', '--cert-file', 'cluster.crt', '--key-file', 'missing.key'], { cwd: dir, env: { HOME: dir } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('  cluster_cert_key: failed loading key from missing.key (no such file)\n');
    expect(run.stderr).not.toMatch(/cluster_cert_key: cluster_cert_key|inline value/);
  });

  it('an inline key that fails to load is never printed', async () => {
    const dir = tempDir();
    const secret = 'A'.repeat(80);
    writeFileSync(join(dir, 'kong.conf'), 'database = off\n');
    const r = await runCli(['lint', 'kong.conf', '--role', 'dp'], { cwd: dir, env: { KONG_CLUSTER_CERT: 'x.crt', KONG_CLUSTER_CERT_KEY: secret } });
    expect(r.stdout).toContain('cluster_cert_key (KONG_CLUSTER_CERT_KEY): failed loading key from (base64 value)');
    expect(r.stdout).not.toContain(secret);
  });
});

describe('hints lead somewhere', () => {
  it('a usage error under cp run points at cp run --help', async () => {
    const r = await runCli(['cp', 'run', '--log-level', 'trace']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("run 'hybridctl cp run --help' for usage");
  });

  it('an unreadable lint file is to be passed as the FILE argument, not -c', async () => {
    const r = await runCli(['lint', '/nonexistent/kong.conf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hint: pass an existing kong.conf as the FILE argument');
    expect(r.stderr).not.toContain('-c/--conf');
  });

  it('a flag-only daemon configuration is not sent to lint (which cannot see the flags)', async () => {
    const dir = tempDir();
    const r = await runCli(['dp', 'run', '--prefix', 'p', '--cp-address', 'cp:8005', '--cert-file', 'nope.crt', '--key-file', 'nope.key'], { cwd: dir, env: { HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('hybridctl lint');
    writeFileSync(join(dir, 'dp.conf'), 'role = data_plane\ncluster_cert = nope.crt\ncluster_cert_key = nope.key\n');
    const withFile = await runCli(['dp', 'run', '-c', 'dp.conf', '--prefix', 'p'], { cwd: dir, env: { HOME: dir } });
    expect(withFile.stderr).toContain(`hint: run hybridctl lint ${join(dir, 'dp.conf')} --role dp for the warnings too`);
  });

  it('a control plane port in use names the listener that asked for it', async () => {
    const dir = tempDir();
    const holder = createServer();
    await new Promise<void>((ok) => holder.listen(0, '127.0.0.1', ok));
    try {
      const port = (holder.address() as { port: number }).port;
      const r = await runCli(['cp', 'run', '--prefix', 'p', '--admin-listen', `127.0.0.1:${port}`, '--cluster-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off'], { cwd: dir, env: { HOME: dir, HYBRIDCTL_WORK_DIR: join(dir, 'w') } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: cannot listen on 127.0.0.1:${port}: address in use`);
      expect(r.stderr).toContain('change admin_listen (--admin-listen)');
      expect(r.stderr).not.toContain('--proxy-listen');
    } finally {
      holder.close();
    }
  });
});
