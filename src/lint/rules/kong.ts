// What Kong's conf loader itself refuses for hybrid nodes, with Kong's wording
// (kong/conf_loader/parse.lua, check_and_parse).
import type { Rule } from '../rule.js';
import { shownValue } from '../../conf/index.js';

const hybrid = (r: string) => r === 'control_plane' || r === 'data_plane';
const LABEL_BASE = /^[a-z0-9]([\w.:-]*[a-z0-9]|)$/i;
const RESERVED_KEY = /^(kong|konnect|insomnia|mesh|kic)/i;

export const hybridCertRequired: Rule = {
  id: 'hybrid-cert-required',
  severity: 'error',
  keys: ['cluster_cert'],
  source: 'kong',
  check: ({ conf }) => (hybrid(conf.role) && (!conf.cluster_cert || !conf.cluster_cert_key) ? [{ key: conf.cluster_cert ? 'cluster_cert_key' : 'cluster_cert', message: 'cluster certificate and key must be provided to use Hybrid mode', hint: 'hybridctl gen-cert writes a Kong-compatible pair; set cluster_cert and cluster_cert_key to it' }] : []),
};

export const clusterFilesUnreadable: Rule = {
  id: 'cluster-file-unreadable',
  severity: 'error',
  keys: ['cluster_cert', 'cluster_cert_key', 'cluster_ca_cert'],
  source: 'kong',
  check: ({ conf, certs }) => {
    if (!hybrid(conf.role)) return [];
    const out = [];
    // Kong names the value; inline PEM and key material are summarised instead of printed.
    const from = (k: 'cluster_cert' | 'cluster_cert_key' | 'cluster_ca_cert', path?: string) => path ?? shownValue(conf[k]!);
    if (certs.cert.error) out.push({ key: 'cluster_cert', message: `cluster_cert: failed loading certificate from ${from('cluster_cert', certs.cert.path)} (${certs.cert.error})` });
    if (certs.key.error) out.push({ key: 'cluster_cert_key', message: `cluster_cert_key: failed loading key from ${from('cluster_cert_key', certs.key.path)} (${certs.key.error})` });
    if (certs.ca.error) out.push({ key: 'cluster_ca_cert', message: `cluster_ca_cert: failed loading certificate from ${from('cluster_ca_cert', certs.ca.path)} (${certs.ca.error})` });
    return out;
  },
};

export const cpRequirements: Rule = {
  id: 'control-plane-requirements',
  severity: 'error',
  keys: ['admin_listen', 'cluster_listen', 'cluster_ca_cert', 'database', 'cluster_use_proxy', 'cluster_dp_labels'],
  source: 'kong',
  check: ({ conf, isSet }) => {
    if (conf.role !== 'control_plane') return [];
    const out = [];
    if (conf.admin_listen.length === 0) out.push({ key: 'admin_listen', message: 'admin_listen must be specified when role = "control_plane"' });
    if (conf.cluster_mtls === 'pki' && !conf.cluster_ca_cert) out.push({ key: 'cluster_ca_cert', message: 'cluster_ca_cert must be specified when cluster_mtls = "pki"' });
    if (conf.cluster_listen.length === 0) out.push({ key: 'cluster_listen', message: 'cluster_listen must be specified when role = "control_plane"' });
    if (conf.database === 'off') out.push({ key: 'database', message: 'in-memory storage can not be used when role = "control_plane"' });
    if (conf.cluster_use_proxy) out.push({ key: 'cluster_use_proxy', message: 'cluster_use_proxy can not be used when role = "control_plane"' });
    if (isSet('cluster_dp_labels') && conf.cluster_dp_labels.length) out.push({ key: 'cluster_dp_labels', message: 'cluster_dp_labels can not be used when role = "control_plane"' });
    return out;
  },
};

export const dpRequirements: Rule = {
  id: 'data-plane-requirements',
  severity: 'error',
  keys: ['proxy_listen', 'database'],
  source: 'kong',
  check: ({ conf }) => {
    if (conf.role !== 'data_plane') return [];
    const out = [];
    if (conf.proxy_listen.length === 0) out.push({ key: 'proxy_listen', message: 'proxy_listen must be specified when role = "data_plane"' });
    if (conf.database !== 'off') out.push({ key: 'database', message: 'only in-memory storage can be used when role = "data_plane"', hint: 'set database = off in your kong.conf' });
    return out;
  },
};

export const proxyServerRequired: Rule = {
  id: 'proxy-server-required',
  severity: 'error',
  keys: ['cluster_use_proxy'],
  source: 'kong',
  check: ({ conf }) => (conf.role === 'data_plane' && conf.cluster_use_proxy && !conf.proxy_server ? [{ message: 'cluster_use_proxy is turned on but no proxy_server is configured' }] : []),
};

export const proxyServerUrl: Rule = {
  id: 'proxy-server-url',
  severity: 'error',
  keys: ['proxy_server'],
  source: 'kong',
  check: ({ conf }) => {
    const v = conf.proxy_server;
    if (!v) return [];
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v)?.[1];
    if (!scheme) return [{ message: 'proxy_server missing scheme' }];
    if (scheme !== 'http' && scheme !== 'https') return [{ message: `proxy_server only supports "http" and "https", got ${scheme}` }];
    const rest = v.slice(scheme.length + 1).replace(/^\/\//, '');
    const authority = rest.split(/[/?#;]/)[0] ?? '';
    const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
    if (!host) return [{ message: 'proxy_server missing host' }];
    if (/[?#;]/.test(v)) return [{ message: 'fragments, query strings or parameters are meaningless in proxy configuration', hint: 'percent-encode special characters in the proxy password (# → %23)' }];
    return [];
  },
};

export const payloadAndPurge: Rule = {
  id: 'cluster-minimums',
  severity: 'error',
  keys: ['cluster_max_payload', 'cluster_data_plane_purge_delay'],
  source: 'kong',
  check: ({ conf }) => [
    ...(conf.cluster_max_payload < 4194304 ? [{ key: 'cluster_max_payload', message: 'cluster_max_payload must be 4194304 (4MB) or greater' }] : []),
    ...(conf.cluster_data_plane_purge_delay < 60 ? [{ key: 'cluster_data_plane_purge_delay', message: 'cluster_data_plane_purge_delay must be 60 or greater' }] : []),
  ],
};

export const dpLabels: Rule = {
  id: 'dp-labels',
  severity: 'error',
  keys: ['cluster_dp_labels'],
  source: 'kong',
  check: ({ conf }) => {
    const labels = conf.cluster_dp_labels;
    if (labels.length === 0) return [];
    if (conf.role === 'traditional') return [{ message: 'cluster_dp_labels can only be used when role = "data_plane"' }];
    if (conf.role !== 'data_plane') return [];
    if (labels.length > 10) return [{ message: 'labels validation failed: count exceeded 10 max elements' }];
    const out = [];
    for (const l of labels) {
      const i = l.indexOf(':');
      const [k, v] = i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
      for (const [what, s] of [['key', k], ['value', v]] as const) {
        const prefix = `label ${what} validation failed: `;
        if (s.length < 1 || s.length > 63) out.push({ message: `${prefix}${s} must have between 1 and 63 characters` });
        else if (!LABEL_BASE.test(s) || (what === 'key' && RESERVED_KEY.test(s))) out.push({ message: `${prefix}${s} is invalid. Must match pattern: ${what === 'key' ? '(?!kong)(?!konnect)(?!insomnia)(?!mesh)(?!kic)' : ''}[a-z0-9]([\\w\\.:-]*[a-z0-9]|)$` });
      }
    }
    return out;
  },
};

export const KONG_RULES: readonly Rule[] = [hybridCertRequired, clusterFilesUnreadable, cpRequirements, dpRequirements, proxyServerRequired, proxyServerUrl, payloadAndPurge, dpLabels];
