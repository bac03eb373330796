// A control plane pointed at a real PostgreSQL through KONG_PG_*: its debug "configuration" line
// masks the passwords, and no line carries them, even one that looks like a path.
import { describe, expect, it } from 'vitest';
import { pki } from '../helpers/cluster.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/net.js';
import { startPostgres } from '../helpers/postgres.js';

describe('cp run with database = postgres', () => {
  it('never logs pg_password or pg_ro_password', async () => {
    const db = await startPostgres({ password: '/Slash-pg-Secret' });
    const env = { ...db.env(), KONG_PG_RO_HOST: db.host, KONG_PG_RO_PASSWORD: 'Ro-pg-Secret-2' };
    const migrated = await runCli(['cp', 'migrations', 'bootstrap'], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout + migrated.stderr).not.toMatch(/Slash-pg-Secret|Ro-pg-Secret-2/);
    const p = await pki(tempDir());
    const [cluster, admin] = [await freePort(), await freePort()];
    const cp = startDaemon(
      ['cp', 'run', '--prefix', tempDir(), '--log-level', 'debug', '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
        '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off'],
      env,
    );
    const conf = await cp.waitFor((l) => l.msg === 'configuration', 20_000, 'configuration line');
    expect(conf).toMatchObject({ pg_password: '******', pg_ro_password: '******', pg_port: String(db.port), database: 'postgres' });
    await cp.waitFor((l) => l.msg === 'control plane started', 20_000, 'control plane start');
    await cp.stop();
    expect(cp.stderr()).not.toMatch(/Slash-pg-Secret|Ro-pg-Secret-2/);
  });
});
