// Interactive questions, asked only on a TTY without CI=true or --no-input; each has a flag.
// A path is checked as soon as it is answered, so a typo is asked again rather than reported
// after the last question.
import { input, number, select } from '@inquirer/prompts';
import type { GenCertFlags } from './commands/gen-cert.js';
import { parseClusterAddress } from '../conf/index.js';
import { errorMessage } from '../errors.js';
import { certificatesFrom, privateKeyFrom, readSource } from '../pki/pem.js';
import { checkOutputDir } from './output-paths.js';

function clusterAddressProblem(v: string): string | true {
  const r = parseClusterAddress(v);
  return r.ok ? true : `${r.message}; ${r.hint}`;
}

/** A validate function: true when `check` accepts the answer, else its message (shown, then asked again). */
const accepts = (check: (v: string) => unknown) => (v: string): string | true => {
  try {
    check(v.trim());
    return true;
  } catch (err) {
    return errorMessage(err);
  }
};
const certificateFile = (flag: string) => accepts((v) => certificatesFrom(readSource(v, flag)));
const keyFile = (flag: string) => accepts((v) => privateKeyFrom(readSource(v, flag)));

export async function askGenCert(): Promise<Partial<GenCertFlags>> {
  const mode = await select({
    message: 'Which cluster_mtls mode? (--mode)',
    choices: [
      { value: 'shared', name: 'shared: one self-signed pair used by CP and DPs (Kong default)' },
      { value: 'pki', name: 'pki: a CA with separate CP and DP certificates' },
    ],
  });
  if (mode === 'shared') return { mode };
  const hosts = await input({ message: 'Names the CP is reached by, comma-separated (--cp-hostname)', default: 'localhost' });
  const intermediates = await number({ message: 'Intermediate CAs between root and leaves (--intermediates)', default: 1, min: 0, max: 3 });
  const outDir = await input({ message: 'Output directory (--out-dir)', default: './pki', validate: accepts((v) => checkOutputDir('--out-dir', v)) });
  return { mode, cpHostname: hosts.split(',').map((h) => h.trim()).filter(Boolean), intermediates: String(intermediates ?? 1), outDir };
}

export async function askInitDp(flags: { mode?: string; caCert?: string }): Promise<Record<string, string>> {
  const cpAddress = await input({ message: 'Control plane cluster address, HOST:PORT (--cp-address)', validate: clusterAddressProblem });
  const mode = flags.mode ?? (await select({ message: 'cluster_mtls mode (--mode)', choices: [{ value: 'pki' }, { value: 'shared' }] }));
  if (mode === 'shared') {
    const clusterCert = await input({ message: "The control plane's cluster certificate (--cluster-cert)", default: 'cluster.crt', validate: certificateFile('--cluster-cert') });
    const clusterKey = await input({ message: "The control plane's cluster key (--cluster-key)", default: 'cluster.key', validate: keyFile('--cluster-key') });
    return { cpAddress, mode, clusterCert, clusterKey };
  }
  const caCert = flags.caCert ?? (await input({ message: 'Root CA the CP certificate chains to (--ca-cert)', default: 'pki/ca.crt', validate: certificateFile('--ca-cert') }));
  const issuerCert = await input({ message: 'CA to issue the DP certificate from (--issuer-cert)', default: 'pki/intermediate-1.crt', validate: certificateFile('--issuer-cert') });
  const issuerKey = await input({ message: 'Its private key (--issuer-key)', default: issuerCert.replace(/\.crt$/, '.key'), validate: keyFile('--issuer-key') });
  const serverName = await input({ message: 'Name in the CP certificate, if not the address host (--server-name)', default: '' });
  return { cpAddress, mode, caCert, issuerCert, issuerKey, ...(serverName ? { serverName } : {}) };
}

