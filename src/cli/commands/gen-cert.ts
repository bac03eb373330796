// hybridctl gen-cert: flags → pki/generate → files → summary.
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { generatePki, generateSharedPair, issue, leafSubject, pkiFileNames, type PkiFile } from '../../pki/generate.js';
import { keySpec } from '../../pki/keys.js';
import { loadIssuer } from '../../pki/issuer.js';
import { readSource } from '../../pki/pem.js';
import { writeFilesAtomically } from '../../util/atomic-write.js';
import type { Io } from '../io.js';
import { whileSlow } from '../progress.js';
import { integerIn, oneOf, outputFormat, validityDays } from '../options.js';
import { checkOutputDir, checkOutputPaths } from '../output-paths.js';
import { renderFiles, summarize } from '../render/files.js';
import { askGenCert } from '../prompts.js';

export interface GenCertFlags {
  mode?: string;
  outDir?: string;
  intermediates?: string;
  cpHostname?: string[];
  dpName?: string;
  keyType?: string;
  curve?: string;
  rsaBits?: string;
  days?: string;
  caDays?: string;
  force?: boolean;
  profile?: string;
  issuerCert?: string;
  issuerKey?: string;
  outCert?: string;
  outKey?: string;
  pathLen?: string;
  output?: string;
}

const PKI_ONLY: (keyof GenCertFlags)[] = ['outDir', 'intermediates', 'cpHostname', 'dpName', 'keyType', 'curve', 'rsaBits', 'caDays', 'profile', 'issuerCert', 'issuerKey', 'outCert', 'outKey', 'pathLen'];
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export async function genCertAction(positionals: string[], flags: GenCertFlags, io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  if (flags.mode === undefined && positionals.length === 0 && io.interactive && !PKI_ONLY.some((k) => flags[k] !== undefined)) {
    Object.assign(flags, await askGenCert());
  }
  const mode = oneOf('--mode', flags.mode, ['shared', 'pki'] as const, 'shared');
  const now = io.now();
  let files: PkiFile[];
  let paths: Record<string, string>;

  if (mode === 'shared') {
    const stray = PKI_ONLY.find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`${flagName(stray)} is only for --mode pki`, { hint: 'add --mode pki, or drop the flag for a Kong-compatible shared pair' });
    if (positionals.length !== 0 && positionals.length !== 2) {
      throw new UsageError('both cert and key path needs to be provided', { hint: 'pass CERT and KEY, or neither for ./cluster.crt and ./cluster.key' });
    }
    const [certPath, keyPath] = positionals.length === 2 ? positionals.map((p) => resolve(p)) : [resolve('cluster.crt'), resolve('cluster.key')];
    const days = validityDays('--days', flags.days, now) ?? 1095;
    checkOutputPaths([{ flag: 'CERT', path: certPath! }, { flag: 'KEY', path: keyPath! }]);
    const pair = await generateSharedPair({ days, now });
    files = [
      { name: certPath!, contents: pair.certPem, secret: false, cert: pair.cert },
      { name: keyPath!, contents: pair.keyPem, secret: true },
    ];
    paths = {};
  } else if (flags.profile !== undefined) {
    if (positionals.length) throw new UsageError('gen-cert --mode pki takes no positional arguments; use --out-cert and --out-key');
    files = await whileSlow(io, 'generating keys', () => issueFromCa(flags, now));
    paths = {};
  } else {
    if (positionals.length) throw new UsageError('gen-cert --mode pki takes no positional arguments; use --out-dir DIR');
    if (!flags.outDir) throw new UsageError('--out-dir is required with --mode pki', { hint: 'e.g. hybridctl gen-cert --mode pki --out-dir ./pki' });
    const dir = resolve(flags.outDir);
    const intermediates = integerIn('--intermediates', flags.intermediates, 0, 3) ?? 1;
    checkOutputDir('--out-dir', dir);
    checkOutputPaths(pkiFileNames(intermediates).map((n) => ({ flag: '--out-dir', path: join(dir, n) })));
    const options = {
      intermediates,
      cpHostnames: flags.cpHostname ?? ['localhost'],
      dpName: flags.dpName ?? 'kong-dp',
      keySpec: keySpec(flags.keyType, flags.curve, flags.rsaBits),
      days: validityDays('--days', flags.days, now) ?? 365,
      caDays: validityDays('--ca-days', flags.caDays, now) ?? 3650,
      now,
    };
    files = await whileSlow(io, 'generating keys and certificates', () => generatePki(options));
    files = files.map((f) => ({ ...f, name: join(dir, f.name) }));
    paths = { dir };
  }

  writeFilesAtomically(files.map((f) => ({ path: f.name, contents: f.contents, mode: f.secret ? 0o600 : 0o644 })), { force: flags.force });
  const summary = summarize(files, now);
  if (format === 'json') {
    io.out(JSON.stringify({ mode, ...paths, files: summary }, null, 2));
  } else {
    if (mode === 'shared') {
      // Kong's own wording, so scripts written for `kong hybrid gen_cert` keep working.
      io.out(`Successfully generated certificate/key pairs, they have been written to: '${files[0]!.name}' and '${files[1]!.name}'.`);
    }
    io.out(renderFiles(summary, io.color));
  }
  return 0;
}

async function issueFromCa(flags: GenCertFlags, now: Date): Promise<PkiFile[]> {
  const profile = oneOf('--profile', flags.profile, ['cp', 'dp', 'intermediate'] as const, 'dp');
  for (const k of ['issuerCert', 'issuerKey', 'outCert', 'outKey'] as const) {
    if (!flags[k]) throw new UsageError(`${flagName(k)} is required with --profile ${profile}`, { hint: 'e.g. --issuer-cert pki/ca.crt --issuer-key pki/ca.key --out-cert dp2.crt --out-key dp2.key' });
  }
  const days = validityDays('--days', flags.days, now) ?? (profile === 'intermediate' ? validityDays('--ca-days', flags.caDays, now) ?? 3650 : 365);
  checkOutputPaths(
    [{ flag: '--out-cert', path: flags.outCert! }, { flag: '--out-key', path: flags.outKey! }],
    [{ flag: '--issuer-cert', path: flags.issuerCert! }, { flag: '--issuer-key', path: flags.issuerKey! }],
  );
  const issuer = await loadIssuer(readSource(flags.issuerCert!, '--issuer-cert'), readSource(flags.issuerKey!, '--issuer-key'));
  const spec = flags.keyType || flags.curve || flags.rsaBits ? keySpec(flags.keyType, flags.curve, flags.rsaBits) : issuer.key.spec;
  if (issuer.cert.pathLen !== undefined && profile === 'intermediate' && issuer.cert.pathLen < 1) {
    throw new UsageError(`${flags.issuerCert} has pathlen ${issuer.cert.pathLen}; it cannot issue another intermediate CA`, { hint: 'issue the intermediate from the root or from a CA with a larger pathlen' });
  }
  const subject = profile === 'intermediate'
    ? { subject: `CN=${flags.dpName ?? 'hybridctl Intermediate CA'}, O=hybridctl`, dnsNames: [], ipAddresses: [] }
    : leafSubject(profile, { cpHostnames: flags.cpHostname ?? ['localhost'], dpName: flags.dpName ?? 'kong-dp' });
  const pathLen = profile === 'intermediate'
    ? integerIn('--path-len', flags.pathLen, 0, 8) ?? (issuer.cert.pathLen !== undefined ? issuer.cert.pathLen - 1 : 0)
    : undefined;
  const issued = await issue({ profile, ...subject, notBefore: now, days, keySpec: spec, issuer, pathLen });
  return [
    { name: resolve(flags.outCert!), contents: issued.certPem, secret: false, cert: issued.cert },
    { name: resolve(flags.outKey!), contents: issued.keyPem, secret: true },
  ];
}
