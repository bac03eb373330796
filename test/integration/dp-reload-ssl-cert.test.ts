// `dp reload` with a renewed ssl_cert (certbot or cert-manager replaced the files): the proxy's
// ssl listener presents the new certificate from the next handshake on, in every worker, without
// a restart (nginx's reload does the same); a key that is not the certificate's is refused and
// the old certificate stays.
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { makeRoot, makeSigned, EXT } from '../helpers/openssl.js';
import { pki, startCp, startDp, until } from '../helpers/cluster.js';

/** The fingerprint of the certificate the listener presents, over a fresh connection. */
function presented(port: number, servername = 'proxy.test'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const fp = s.getPeerX509Certificate()!.fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

describe('dp reload with a renewed ssl_cert', () => {
  it('serves the new certificate from every worker without a restart, and refuses a mismatched key', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const ca = makeRoot(dir, 'web-ca');
    const first = makeSigned(dir, 'first', ca, EXT.server);
    const second = makeSigned(dir, 'second', ca, EXT.server);
    const live = { crt: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(first.crt, live.crt);
    copyFileSync(first.key, live.key);

    const cp = await startCp(p, join(dir, 'cp'));
    const [plain, ssl] = [await freePort(), await freePort()];
    const prefix = join(dir, 'dp');
    const dp = await startDp(p, prefix, cp.cluster, ['--proxy-listen', `127.0.0.1:${plain}, 127.0.0.1:${ssl} ssl`,
      '--ssl-cert', live.crt, '--ssl-cert-key', live.key, '--nginx-worker-processes', '2']);
    // Connections land on either worker: several handshakes see each.
    const sample = async () => new Set(await Promise.all(Array.from({ length: 8 }, () => presented(ssl))));
    expect(await sample()).toEqual(new Set([fingerprint(first.crt)]));

    copyFileSync(second.crt, live.crt);
    copyFileSync(second.key, live.key);
    const r = await runCli(['dp', 'reload', '-p', prefix]);
    expect(r.code, r.stderr).toBe(0);
    await dp.d.waitFor((l) => l.msg === 'configuration reloaded', 20_000, 'reloaded');
    await until(async () => (await sample()).size === 1 && (await sample()).has(fingerprint(second.crt)), 'every worker presents the renewed certificate');
    expect(dp.d.lines.some((l) => String(l.msg).startsWith('ssl_cert changed; restart'))).toBe(false);

    // A key from another pair: refused, the renewed certificate stays.
    copyFileSync(first.key, live.key);
    expect((await runCli(['dp', 'reload', '-p', prefix])).code).toBe(0);
    const line = await dp.d.waitFor((l) => String(l.msg).startsWith('reload refused'), 20_000, 'refused');
    expect(String(line.msg)).toContain('ssl_cert: the key does not belong to the certificate');
    expect(await sample()).toEqual(new Set([fingerprint(second.crt)]));
    expect(dp.d.proc.exitCode).toBeNull();
  }, 90_000);
});
