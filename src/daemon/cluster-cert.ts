// The CP without any cluster certificate generates a shared pair once into its work dir and
// reuses it on every later start, so a first run needs no PKI at all.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSharedPair } from '../pki/generate.js';
import { SHARED_CN } from '../pki/profiles.js';
import { writeFilesAtomically } from '../util/atomic-write.js';
import { InputError } from '../errors.js';

export interface ClusterPair {
  certPath: string;
  keyPath: string;
  generated: boolean;
  /** Names the certificate is valid for. */
  names: string[];
}

export async function ensureClusterCert(workDir: string, now: Date): Promise<ClusterPair> {
  const certPath = join(workDir, 'cluster.crt');
  const keyPath = join(workDir, 'cluster.key');
  const hasCert = existsSync(certPath);
  const hasKey = existsSync(keyPath);
  if (hasCert && hasKey) {
    readFileSync(keyPath); // unreadable → clear error below rather than at TLS set-up
    return { certPath, keyPath, generated: false, names: [SHARED_CN] };
  }
  if (hasCert !== hasKey) {
    throw new InputError(`${hasCert ? keyPath : certPath} is missing but ${hasCert ? certPath : keyPath} exists`, {
      hint: `restore the missing file, or remove both to let a new pair be generated (every DP must then get the new ${certPath})`,
    });
  }
  const pair = await generateSharedPair({ now });
  try {
    writeFilesAtomically([
      { path: certPath, contents: pair.certPem, mode: 0o644 },
      { path: keyPath, contents: pair.keyPem, mode: 0o600 },
    ]);
  } catch (err) {
    // Two control planes started together on one work dir: the first one's pair is the pair.
    if (existsSync(certPath) && existsSync(keyPath)) return { certPath, keyPath, generated: false, names: [SHARED_CN] };
    throw err;
  }
  return { certPath, keyPath, generated: true, names: [SHARED_CN] };
}
