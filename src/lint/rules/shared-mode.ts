// Settings that silently do nothing in shared mode, and the one name a shared certificate must carry.
import { verifyChain } from '../../pki/verify/index.js';
import type { Hit, Rule } from '../rule.js';

const SHARED_NAME = 'kong_clustering';

export const sharedCertName: Rule = {
  id: 'shared-cert-name',
  severity: 'error',
  keys: ['cluster_cert'],
  source: 'hybridctl',
  check: ({ conf, certs, now }) => {
    const leaf = certs.cert.value?.[0];
    if (!leaf || conf.cluster_mtls !== 'shared' || (conf.role !== 'data_plane' && conf.role !== 'control_plane')) return [];
    // In shared mode the DP checks the CP's certificate against the name kong_clustering.
    const r = verifyChain({ presented: [leaf], anchors: [leaf] }, { mode: 'shared', role: 'cp', serverName: SHARED_NAME, at: now });
    return r.problems.some((p) => p.code === 'hostname')
      ? [{ message: `cluster_cert (${leaf.subject}) is not valid for '${SHARED_NAME}', the name data planes check in shared mode`, hint: 'generate the shared pair with hybridctl gen-cert --mode shared, or use cluster_mtls = pki' }]
      : [];
  },
};

export const ignoredInShared: Rule = {
  id: 'ignored-in-shared-mode',
  severity: 'warning',
  keys: ['cluster_server_name', 'cluster_ocsp', 'cluster_ca_cert'],
  source: 'hybridctl',
  check: ({ conf, isSet }) => {
    if (conf.cluster_mtls !== 'shared') return [];
    const out: Hit[] = [];
    if (conf.role === 'data_plane' && conf.cluster_server_name) out.push({ key: 'cluster_server_name', message: "cluster_server_name is ignored when cluster_mtls = shared: the data plane always sends the SNI 'kong_clustering'", hint: 'remove it, or switch to cluster_mtls = pki' });
    if (conf.role === 'control_plane' && isSet('cluster_ocsp') && conf.cluster_ocsp !== 'off') out.push({ key: 'cluster_ocsp', message: 'cluster_ocsp is ignored when cluster_mtls = shared: revocation is checked only in pki mode', hint: 'remove it, or switch to cluster_mtls = pki' });
    if (conf.cluster_ca_cert) out.push({ key: 'cluster_ca_cert', message: 'cluster_ca_cert is not used when cluster_mtls = shared: both sides pin cluster_cert itself', hint: 'remove it, or switch to cluster_mtls = pki' });
    return out;
  },
};

export const pkiDpWithoutTrust: Rule = {
  id: 'pki-dp-without-trust',
  severity: 'error',
  keys: ['cluster_ca_cert'],
  source: 'hybridctl',
  check: ({ conf }) =>
    conf.role === 'data_plane' && conf.cluster_mtls === 'pki' && !conf.cluster_ca_cert && conf.lua_ssl_trusted_certificate.length === 0
      ? [{ message: 'a pki data plane without cluster_ca_cert and with no usable lua_ssl_trusted_certificate cannot verify the control plane certificate', hint: 'set cluster_ca_cert to the CA that issued the CP certificate' }]
      : [],
};

export const SHARED_RULES: readonly Rule[] = [sharedCertName, ignoredInShared, pkiDpWithoutTrust];
