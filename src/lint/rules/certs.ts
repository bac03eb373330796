// Certificate mistakes found with the same engine as verify-chain, before the CP refuses the DP.
import { verifyChain } from '../../pki/verify/index.js';
import type { Rule } from '../rule.js';


export const certKeyMismatch: Rule = {
  id: 'cert-key-mismatch',
  severity: 'error',
  keys: ['cluster_cert_key'],
  source: 'hybridctl',
  check: ({ certs, now }) => {
    const leaf = certs.cert.value?.[0];
    if (!leaf || !certs.key.value) return [];
    const r = verifyChain({ presented: [leaf], anchors: [leaf], key: certs.key.value }, { mode: 'shared', at: now });
    return r.problems.some((p) => p.code === 'key-mismatch') ? [{ message: 'cluster_cert_key is not the private key of cluster_cert', hint: 'pass the key that was generated with this certificate' }] : [];
  },
};

export const clusterCertEku: Rule = {
  id: 'cluster-cert-eku',
  severity: 'error',
  keys: ['cluster_cert'],
  source: 'hybridctl',
  check: ({ conf, certs, now }) => {
    const chain = certs.cert.value;
    if (!chain || conf.cluster_mtls !== 'pki' || (conf.role !== 'data_plane' && conf.role !== 'control_plane')) return [];
    const role = conf.role === 'data_plane' ? 'dp' : 'cp';
    const r = verifyChain({ presented: chain, anchors: chain.slice(-1) }, { mode: 'pki', role, at: now });
    const eku = r.problems.find((p) => p.code === 'eku');
    return eku
      ? [{ message: `cluster_cert lacks the ${role === 'dp' ? 'clientAuth' : 'serverAuth'} extended key usage a ${role === 'dp' ? 'data' : 'control'} plane certificate needs`, hint: `issue one with: hybridctl gen-cert --mode pki --profile ${role} --issuer-cert CA.crt --issuer-key CA.key --out-cert ${role}.crt --out-key ${role}.key` }]
      : [];
  },
};

export const dpCertUnderCa: Rule = {
  id: 'dp-cert-not-under-ca',
  severity: 'error',
  keys: ['cluster_cert'],
  source: 'hybridctl',
  check: ({ conf, certs, now }) => {
    const chain = certs.cert.value;
    const anchors = certs.ca.value;
    if (!chain || !anchors || conf.cluster_mtls !== 'pki' || conf.role !== 'data_plane') return [];
    const r = verifyChain({ presented: chain, anchors }, { mode: 'pki', role: 'dp', at: now });
    const untrusted = r.problems.find((p) => p.code === 'untrusted' || p.code === 'depth');
    return untrusted ? [{ message: `cluster_cert does not chain to cluster_ca_cert (${untrusted.message})`, hint: 'the CP trusts DP certificates issued under its cluster_ca_cert; issue this one from that CA and include the intermediates in cluster_cert' }] : [];
  },
};

export const caNotRoot: Rule = {
  id: 'ca-not-root',
  severity: 'error',
  keys: ['cluster_ca_cert'],
  source: 'hybridctl',
  check: ({ conf, certs }) => {
    const ca = certs.ca.value?.[0];
    if (!ca || conf.cluster_mtls !== 'pki') return [];
    return ca.selfSigned ? [] : [{ message: `cluster_ca_cert (${ca.subject}) is an intermediate, not a self-signed root: the control plane needs the root to build DP chains`, hint: 'point cluster_ca_cert at the root CA (ca.crt), and put intermediates in the DP cluster_cert bundle' }];
  },
};

export const certValidity: Rule = {
  id: 'cluster-cert-validity',
  severity: 'error',
  keys: ['cluster_cert'],
  source: 'hybridctl',
  check: ({ certs, now }) => {
    const leaf = certs.cert.value?.[0];
    if (!leaf) return [];
    // verify-chain's own validity and expires-soon checks, on the leaf alone.
    const r = verifyChain({ presented: [leaf], anchors: [leaf] }, { mode: 'shared', at: now });
    const bad = r.problems.find((p) => (p.code === 'expired' || p.code === 'not-yet-valid') && p.certificate === 0);
    if (bad) return [{ message: bad.code === 'expired' ? `cluster_cert expired on ${leaf.notAfter.toISOString()}` : `cluster_cert is not valid before ${leaf.notBefore.toISOString()}`, hint: bad.hint }];
    const soon = r.warnings.find((w) => w.code === 'expires-soon');
    return soon ? [{ severity: 'warning', message: `cluster_cert: ${soon.message}`, hint: 'renew it before it expires: data planes cannot connect with an expired certificate' }] : [];
  },
};

export const keyPermissions: Rule = {
  id: 'key-file-permissions',
  severity: 'warning',
  keys: ['cluster_cert_key'],
  source: 'hybridctl',
  check: ({ certs }) => {
    const mode = certs.key.mode;
    return mode !== undefined && (mode & 0o077) !== 0 ? [{ message: `the cluster key file ${certs.key.path} is readable by others (mode ${mode.toString(8).padStart(4, '0')})`, hint: `chmod 600 ${certs.key.path}` }] : [];
  },
};



// Data planes verify the CP chain with their lua_ssl_verify_depth, 1 by default: one intermediate.
export const cpChainDepth: Rule = {
  id: 'cp-chain-depth',
  severity: 'warning',
  keys: ['cluster_cert'],
  source: 'hybridctl',
  check: ({ conf, certs }) => {
    const chain = certs.cert.value;
    if (!chain || conf.role !== 'control_plane' || conf.cluster_mtls !== 'pki') return [];
    const intermediates = chain.slice(1).filter((c) => !c.selfSigned).length;
    return intermediates > 1
      ? [{ message: `cluster_cert sends ${intermediates} intermediate certificates, but data planes verify the control plane with lua_ssl_verify_depth = 1 by default (one intermediate)`, hint: `set lua_ssl_verify_depth = ${intermediates} on every data plane, or issue the CP certificate closer to the root` }]
      : [];
  },
};
export const CERT_RULES: readonly Rule[] = [certKeyMismatch, clusterCertEku, dpCertUnderCa, caNotRoot, certValidity, keyPermissions, cpChainDepth];
