// Kong's default certificates: an `ssl` entry of proxy_listen, admin_listen or status_listen
// without its certificate (ssl_cert, admin_ssl_cert, status_ssl_cert) gets a self-signed one,
// generated once under <prefix>/ssl/ with Kong's file names and reused, so HTTPS works out of the box.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { issue } from '../pki/generate.js';
import { writeFilesAtomically } from '../util/atomic-write.js';

export type DefaultCertTarget = 'proxy' | 'admin' | 'status';

/** Kong's conf_loader constants: ssl/kong-default.crt, ssl/admin-kong-default.crt, ssl/status-kong-default.crt. */
export function defaultCertPaths(prefix: string, target: DefaultCertTarget): { certPath: string; keyPath: string } {
  const base = target === 'proxy' ? 'kong-default' : `${target}-kong-default`;
  return { certPath: join(prefix, 'ssl', `${base}.crt`), keyPath: join(prefix, 'ssl', `${base}.key`) };
}

export async function ensureDefaultCert(prefix: string, target: DefaultCertTarget, log: Logger, now = new Date()): Promise<{ certPem: string; keyPem: string }> {
  const { certPath, keyPath } = defaultCertPaths(prefix, target);
  if (existsSync(certPath) && existsSync(keyPath)) return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
  const issued = await issue({ profile: 'cp', subject: 'CN=localhost', dnsNames: ['localhost'], ipAddresses: [], notBefore: now, days: 3650, keySpec: { type: 'ec', curve: 'P-256' } });
  writeFilesAtomically([
    { path: certPath, contents: issued.certPem, mode: 0o644 },
    { path: keyPath, contents: issued.keyPem, mode: 0o600 },
  ], { force: true });
  const which = target === 'proxy' ? 'ssl_cert' : `${target}_ssl_cert`;
  log.info(`no ${which} configured: generated a self-signed certificate for the ssl ${target} listeners`, { cert_file: certPath, key_file: keyPath });
  return { certPem: issued.certPem, keyPem: issued.keyPem };
}

export const ensureDefaultProxyCert = (prefix: string, log: Logger, now = new Date()) => ensureDefaultCert(prefix, 'proxy', log, now);
