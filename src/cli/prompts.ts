// Interactive questions, asked only on a TTY without CI=true or --no-input; each has a flag.
import { input, number, select } from '@inquirer/prompts';
import type { GenCertFlags } from './commands/gen-cert.js';
import { parseClusterAddress } from '../conf/index.js';

function clusterAddressProblem(v: string): string | undefined {
  const r = parseClusterAddress(v);
  return r.ok ? undefined : `${r.message}; ${r.hint}`;
}

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
  const outDir = await input({ message: 'Output directory (--out-dir)', default: './pki' });
  return { mode, cpHostname: hosts.split(',').map((h) => h.trim()).filter(Boolean), intermediates: String(intermediates ?? 1), outDir };
}

export async function askInitDp(flags: { mode?: string; caCert?: string }): Promise<Record<string, string>> {
  const cpAddress = await input({ message: 'Control plane cluster address, HOST:PORT (--cp-address)', validate: (v) => clusterAddressProblem(v) ?? true });
  const mode = flags.mode ?? (await select({ message: 'cluster_mtls mode (--mode)', choices: [{ value: 'pki' }, { value: 'shared' }] }));
  if (mode === 'shared') {
    const clusterCert = await input({ message: "The control plane's cluster certificate (--cluster-cert)", default: 'cluster.crt' });
    const clusterKey = await input({ message: "The control plane's cluster key (--cluster-key)", default: 'cluster.key' });
    return { cpAddress, mode, clusterCert, clusterKey };
  }
  const caCert = flags.caCert ?? (await input({ message: 'Root CA the CP certificate chains to (--ca-cert)', default: 'pki/ca.crt' }));
  const issuerCert = await input({ message: 'CA to issue the DP certificate from (--issuer-cert)', default: 'pki/intermediate-1.crt' });
  const issuerKey = await input({ message: 'Its private key (--issuer-key)', default: issuerCert.replace(/\.crt$/, '.key') });
  const serverName = await input({ message: 'Name in the CP certificate, if not the address host (--server-name)', default: '' });
  return { cpAddress, mode, caCert, issuerCert, issuerKey, ...(serverName ? { serverName } : {}) };
}
