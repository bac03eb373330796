// Kong's default proxy certificate: when an `ssl` proxy_listen entry has no ssl_cert, a self-signed
// one is generated once under <prefix>/ssl/ and reused, so HTTPS works out of the box.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { issue } from '../pki/generate.js';
import { writeFilesAtomically } from '../util/atomic-write.js';

export async function ensureDefaultProxyCert(prefix: string, log: Logger, now = new Date()): Promise<{ certPem: string; keyPem: string }> {
  const certPath = join(prefix, 'ssl', 'kong-default.crt');
  const keyPath = join(prefix, 'ssl', 'kong-default.key');
  if (existsSync(certPath) && existsSync(keyPath)) return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
  const issued = await issue({ profile: 'cp', subject: 'CN=localhost', dnsNames: ['localhost'], ipAddresses: [], notBefore: now, days: 3650, keySpec: { type: 'ec', curve: 'P-256' } });
  writeFilesAtomically([
    { path: certPath, contents: issued.certPem, mode: 0o644 },
    { path: keyPath, contents: issued.keyPem, mode: 0o600 },
  ], { force: true });
  log.info('no ssl_cert configured: generated a self-signed certificate for the ssl proxy listeners', { cert_file: certPath, key_file: keyPath });
  return { certPem: issued.certPem, keyPem: issued.keyPem };
}
