// Interactive questions, asked only on a TTY without CI=true or --no-input; each has a flag.
import { input, number, select } from '@inquirer/prompts';
import type { GenCertFlags } from './commands/gen-cert.js';

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
