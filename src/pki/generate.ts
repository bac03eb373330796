// Creates certificates: Kong's shared pair, a whole CA → intermediates → CP/DP chain, or one more
// certificate from an existing CA.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes } from 'node:crypto';
import { isIP as netIsIP } from 'node:net';
import { UsageError } from '../errors.js';
import { generateKeyPair, privateKeyPem, signingAlgorithm, type KeyPair, type KeySpec } from './keys.js';
import { PROFILES, SHARED_CN, type Profile } from './profiles.js';
import { parseCertificate, type Cert } from './cert.js';

const DAY_MS = 86_400_000;
const LAST_X509_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59);

export interface Issued {
  cert: Cert;
  certPem: string;
  key: KeyPair;
  keyPem: string;
}

export interface Issuer {
  cert: Cert;
  key: KeyPair;
  /** Issuer's own chain above it (intermediates, nearest first), appended to issued bundles. */
  chain: Cert[];
}

interface IssueOptions {
  profile: Profile;
  subject: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore: Date;
  days: number;
  pathLen?: number;
  keySpec: KeySpec;
  issuer?: Issuer;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive INTEGER
  if (b[0] === 0) b[0] = 1;
  return b.toString('hex');
}

/** Whole seconds: X.509 times carry no milliseconds, and Kong compares at second precision. */
function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

export async function issue(o: IssueOptions): Promise<Issued> {
  if (!Number.isFinite(o.days) || o.days <= 0) throw new UsageError(`invalid value '${o.days}' for --days; expected a positive number of days`);
  const spec = PROFILES[o.profile];
  const key = await generateKeyPair(o.keySpec);
  const signer = o.issuer?.key ?? key;
  const notBefore = wholeSeconds(o.notBefore);
  const notAfter = new Date(notBefore.getTime() + Math.round(o.days * DAY_MS));
  // GeneralizedTime has four year digits: anything later would be written as an unreadable certificate.
  if (notAfter.getTime() > LAST_X509_INSTANT) throw new UsageError(`invalid value '${o.days}' for --days; a certificate cannot be valid past 9999-12-31`);
  const extensions: x509.Extension[] = [];
  if (spec.ca || o.profile !== 'shared') {
    extensions.push(new x509.BasicConstraintsExtension(spec.ca, spec.ca ? o.pathLen : undefined, true));
  }
  if (spec.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(spec.keyUsage, true));
  if (spec.eku) extensions.push(new x509.ExtendedKeyUsageExtension(spec.eku, false));
  const names = [
    ...(o.dnsNames ?? []).map((v) => ({ type: 'dns' as const, value: v })),
    ...(o.ipAddresses ?? []).map((v) => ({ type: 'ip' as const, value: v })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(key.publicKey));
  if (o.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(o.issuer.key.publicKey));

  const common = {
    serialNumber: serial(),
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithm(signer.spec),
    extensions,
  };
  const created = o.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: o.subject,
        issuer: o.issuer.cert.subject,
        publicKey: key.publicKey,
        signingKey: signer.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: o.subject, keys: { publicKey: key.publicKey, privateKey: key.privateKey } });
  const cert = parseCertificate(Buffer.from(created.rawData));
  const seen = new Set<string>();
  const chain = o.issuer ? [o.issuer.cert, ...o.issuer.chain].filter((c) => !c.selfSigned && !seen.has(c.sha256) && seen.add(c.sha256)) : [];
  const certPem = [cert.pem, ...chain.map((c) => c.pem)].join('');
  return { cert, certPem, key, keyPem: await privateKeyPem(key) };
}

/** Kong-compatible `kong hybrid gen_cert`: self-signed EC P-384, CN=kong_clustering. */
export async function generateSharedPair(o: { days?: number; now: Date }): Promise<Issued> {
  return issue({
    profile: 'shared',
    subject: `CN=${SHARED_CN}`,
    dnsNames: [SHARED_CN],
    notBefore: o.now,
    days: o.days ?? 1095,
    keySpec: { type: 'ec', curve: 'P-384' },
  });
}

export function splitHostnames(hosts: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const raw of hosts) {
    const h = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (!h) throw new UsageError(`invalid value '${raw}' for --cp-hostname; expected a DNS name or an IP address`);
    if (netIsIP(h)) ipAddresses.push(h);
    else if (/^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})?)*\.?$/.test(h)) dnsNames.push(h);
    else throw new UsageError(`invalid value '${raw}' for --cp-hostname; expected a DNS name or an IP address`);
  }
  return { dnsNames, ipAddresses };
}

export interface PkiOptions {
  intermediates: number;
  cpHostnames: string[];
  dpName: string;
  keySpec: KeySpec;
  days: number;
  caDays: number;
  now: Date;
}

export interface PkiFile {
  name: string;
  contents: string;
  secret: boolean;
  cert?: Cert;
}

/** The names generatePki writes inside --out-dir. */
export function pkiFileNames(intermediates: number): string[] {
  const pairs = ['ca', ...Array.from({ length: intermediates }, (_, i) => `intermediate-${i + 1}`), 'cp', 'dp'];
  return [...pairs.flatMap((p) => [`${p}.crt`, `${p}.key`]), 'chain.crt'];
}

/** Root → N intermediates → CP and DP leaves, as the files `gen-cert --mode pki` writes. */
export async function generatePki(o: PkiOptions): Promise<PkiFile[]> {
  if (!Number.isInteger(o.intermediates) || o.intermediates < 0 || o.intermediates > 3) {
    throw new UsageError(`invalid value '${o.intermediates}' for --intermediates; expected 0, 1, 2 or 3`);
  }
  const files: PkiFile[] = [];
  const root = await issue({ profile: 'root', subject: 'CN=hybridctl Root CA, O=hybridctl', notBefore: o.now, days: o.caDays, keySpec: o.keySpec });
  files.push({ name: 'ca.crt', contents: root.certPem, secret: false, cert: root.cert }, { name: 'ca.key', contents: root.keyPem, secret: true });
  let issuer: Issuer = { cert: root.cert, key: root.key, chain: [] };
  const intermediates: Cert[] = [];
  for (let i = 1; i <= o.intermediates; i++) {
    const inter = await issue({
      profile: 'intermediate',
      subject: `CN=hybridctl Intermediate CA ${i}, O=hybridctl`,
      notBefore: o.now,
      days: o.caDays,
      // Each intermediate may still have the ones below it: the chain stays valid end to end.
      pathLen: o.intermediates - i,
      keySpec: o.keySpec,
      issuer,
    });
    // Each intermediate file carries its own chain (nearest first), so it can issue more
    // certificates with --profile and the issued bundles reach the root.
    files.push({ name: `intermediate-${i}.crt`, contents: inter.certPem, secret: false, cert: inter.cert }, { name: `intermediate-${i}.key`, contents: inter.keyPem, secret: true });
    intermediates.unshift(inter.cert);
    issuer = { cert: inter.cert, key: inter.key, chain: [...intermediates.slice(1)] };
  }
  const cp = await issueLeaf('cp', issuer, o);
  const dp = await issueLeaf('dp', issuer, o);
  files.push(
    { name: 'cp.crt', contents: cp.certPem, secret: false, cert: cp.cert },
    { name: 'cp.key', contents: cp.keyPem, secret: true },
    { name: 'dp.crt', contents: dp.certPem, secret: false, cert: dp.cert },
    { name: 'dp.key', contents: dp.keyPem, secret: true },
    { name: 'chain.crt', contents: intermediates.map((c) => c.pem).join(''), secret: false },
  );
  return files;
}

export function leafSubject(role: 'cp' | 'dp', o: { cpHostnames: string[]; dpName: string }): { subject: string; dnsNames: string[]; ipAddresses: string[] } {
  if (role === 'cp') {
    const { dnsNames, ipAddresses } = splitHostnames(o.cpHostnames.length ? o.cpHostnames : ['localhost']);
    const cn = dnsNames[0] ?? ipAddresses[0] ?? 'localhost';
    return { subject: `CN=${escapeRdn(cn)}`, dnsNames, ipAddresses };
  }
  const name = o.dpName.trim();
  if (!name) throw new UsageError(`invalid value '${o.dpName}' for --dp-name; expected a non-empty name`);
  // The DP name doubles as a DNS SAN when it is a valid DNS name, as kumactl and step do.
  const asDns = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62})?)*$/.test(name) ? [name] : [];
  return { subject: `CN=${escapeRdn(name)}`, dnsNames: asDns, ipAddresses: [] };
}

export async function issueLeaf(role: 'cp' | 'dp', issuer: Issuer, o: Omit<PkiOptions, 'intermediates' | 'caDays'>): Promise<Issued> {
  const s = leafSubject(role, o);
  return issue({ profile: role, ...s, notBefore: o.now, days: o.days, keySpec: o.keySpec, issuer });
}

function escapeRdn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}
