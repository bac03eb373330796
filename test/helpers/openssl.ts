// Certificate chains made by the openssl CLI: an oracle independent of hybridctl's own generator.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `openssl verify` verdict: exit status 0 means OK. */
export function opensslVerify(cwd: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('openssl', ['verify', ...args], { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export interface MadeCert {
  crt: string;
  key: string;
}

const CA_EXT = (pathLen?: number) =>
  `basicConstraints=critical,CA:TRUE${pathLen === undefined ? '' : `,pathlen:${pathLen}`}\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid`;
export const EXT = {
  ca: CA_EXT,
  server: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:cp.test\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid',
  client: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid',
  nonCaSigner: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid',
};

export function makeRoot(dir: string, name: string, opts: { days?: number } = {}): MadeCert {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', crt, '-subj', `/CN=${name}`,
    '-days', String(opts.days ?? 30), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { crt, key };
}

export function makeSigned(dir: string, name: string, issuer: MadeCert, ext: string, opts: { days?: number; newkey?: string[] } = {}): MadeCert {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, `[v3]\n${ext}\n`);
  openssl(['req', '-new', ...(opts.newkey ?? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']), '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', issuer.crt, '-CAkey', issuer.key, '-set_serial', String(Date.now() + Math.floor(Math.random() * 1e6)),
    '-days', String(opts.days ?? 30), '-extfile', extFile, '-extensions', 'v3', '-out', crt], dir);
  return { crt, key };
}

/** root → n intermediates → leaf, written by openssl; returns the leaf and the intermediates (nearest first). */
export function opensslChain(dir: string, n: number, leafExt: string, prefix = 'c'): { root: MadeCert; inters: MadeCert[]; leaf: MadeCert } {
  const root = makeRoot(dir, `${prefix}-root`);
  const inters: MadeCert[] = [];
  let parent = root;
  for (let i = 1; i <= n; i++) {
    parent = makeSigned(dir, `${prefix}-inter${i}`, parent, CA_EXT());
    inters.unshift(parent);
  }
  return { root, inters, leaf: makeSigned(dir, `${prefix}-leaf`, parent, leafExt) };
}
