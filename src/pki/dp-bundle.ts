// The files a new data plane node needs, built from what the operator has: a shared pair to copy,
// or a CA to issue a DP certificate from (pki).
import { UsageError } from '../errors.js';
import { issueLeaf } from './generate.js';
import { loadIssuer } from './issuer.js';
import { certificatesFrom, privateKeyFrom, readSource } from './pem.js';

export interface DpNodeRequest {
  mode: 'shared' | 'pki';
  /** shared: the CP's cluster certificate and key (the same pair on both sides). */
  clusterCert?: string;
  clusterKey?: string;
  /** pki: the CA the DP verifies the CP with (cluster_ca_cert). */
  caCert?: string;
  /** pki: issue the DP certificate from this CA… */
  issuerCert?: string;
  issuerKey?: string;
  /** …or use an existing DP pair. */
  certFile?: string;
  keyFile?: string;
  dpName: string;
  days: number;
  now: Date;
}

export interface DpNodeFiles {
  files: { name: string; contents: string; secret: boolean }[];
  /** kong.conf keys pointing at the files, by file name relative to the output directory. */
  keys: Record<string, string>;
}

export async function dpNodeFiles(r: DpNodeRequest): Promise<DpNodeFiles> {
  if (r.mode === 'shared') {
    if (!r.clusterCert || !r.clusterKey) throw new UsageError('--cluster-cert and --cluster-key are required with --mode shared (copy them from the control plane)');
    const certSrc = readSource(r.clusterCert, '--cluster-cert');
    const keySrc = readSource(r.clusterKey, '--cluster-key');
    const [cert] = certificatesFrom(certSrc);
    if (!cert!.node.checkPrivateKey(privateKeyFrom(keySrc))) throw new UsageError(`--cluster-key ${r.clusterKey} does not belong to --cluster-cert ${r.clusterCert}`);
    return {
      files: [
        { name: 'cluster.crt', contents: certSrc.text, secret: false },
        { name: 'cluster.key', contents: keySrc.text, secret: true },
      ],
      keys: { cluster_cert: 'cluster.crt', cluster_cert_key: 'cluster.key' },
    };
  }
  if (!r.caCert) throw new UsageError('--ca-cert is required with --mode pki: the root CA the control plane certificate chains to');
  const caSrc = readSource(r.caCert, '--ca-cert');
  certificatesFrom(caSrc);
  const files: DpNodeFiles['files'] = [{ name: 'cluster-ca.crt', contents: caSrc.text, secret: false }];
  if (r.issuerCert || r.issuerKey) {
    if (!r.issuerCert || !r.issuerKey) throw new UsageError('--issuer-cert and --issuer-key go together');
    const issuer = await loadIssuer(readSource(r.issuerCert, '--issuer-cert'), readSource(r.issuerKey, '--issuer-key'));
    const dp = await issueLeaf('dp', issuer, { cpHostnames: [], dpName: r.dpName, keySpec: issuer.key.spec, days: r.days, now: r.now });
    files.push({ name: 'dp.crt', contents: dp.certPem, secret: false }, { name: 'dp.key', contents: dp.keyPem, secret: true });
  } else if (r.certFile && r.keyFile) {
    const certSrc = readSource(r.certFile, '--cert-file');
    const keySrc = readSource(r.keyFile, '--key-file');
    const [cert] = certificatesFrom(certSrc);
    if (!cert!.node.checkPrivateKey(privateKeyFrom(keySrc))) throw new UsageError(`--key-file ${r.keyFile} does not belong to --cert-file ${r.certFile}`);
    files.push({ name: 'dp.crt', contents: certSrc.text, secret: false }, { name: 'dp.key', contents: keySrc.text, secret: true });
  } else {
    throw new UsageError('a DP certificate is needed: pass --issuer-cert/--issuer-key to issue one, or --cert-file/--key-file to use yours');
  }
  return { files, keys: { cluster_cert: 'dp.crt', cluster_cert_key: 'dp.key', cluster_ca_cert: 'cluster-ca.crt' } };
}
