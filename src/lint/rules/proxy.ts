// Forward proxy and SNI mistakes Kong accepts but that break (or weaken) the DP → CP connection.
import { missingPortWarning, parseClusterAddress } from '../../conf/index.js';
import type { Rule } from '../rule.js';

const viaProxy = (c: { role: string; cluster_use_proxy: boolean; proxy_server: string | null }) => c.role === 'data_plane' && c.cluster_use_proxy && Boolean(c.proxy_server);

export const sharedModeBehindProxy: Rule = {
  id: 'shared-mode-behind-proxy',
  severity: 'warning',
  keys: ['cluster_mtls'],
  source: 'hybridctl',
  check: ({ conf }) =>
    viaProxy(conf) && conf.cluster_mtls === 'shared'
      ? [{ message: "shared mode sends the SNI 'kong_clustering', which TLS-aware forward proxies and firewalls often refuse or misroute", hint: 'use cluster_mtls = pki with a CP certificate for its DNS name, and set cluster_server_name' }]
      : [],
};

export const pkiProxyWithoutServerName: Rule = {
  id: 'pki-proxy-without-server-name',
  severity: 'warning',
  keys: ['cluster_server_name'],
  source: 'hybridctl',
  check: ({ conf }) =>
    viaProxy(conf) && conf.cluster_mtls === 'pki' && !conf.cluster_server_name
      ? [{ message: 'pki mode through a forward proxy without cluster_server_name: the SNI and certificate check use the host of cluster_control_plane, which must then be the name in the CP certificate', hint: 'set cluster_server_name to the DNS name in the CP certificate' }]
      : [],
};

export const httpsProxyUnverified: Rule = {
  id: 'https-proxy-unverified',
  severity: 'warning',
  keys: ['proxy_server_ssl_verify'],
  source: 'hybridctl',
  check: ({ conf }) =>
    viaProxy(conf) && /^https:/i.test(conf.proxy_server ?? '') && !conf.proxy_server_ssl_verify
      ? [{ message: 'the https forward proxy is used without verifying its certificate (proxy_server_ssl_verify = off): the proxy credentials go to whoever answers', hint: 'set proxy_server_ssl_verify = on and add the proxy CA to lua_ssl_trusted_certificate' }]
      : [],
};

export const proxyServerPort: Rule = {
  id: 'proxy-server-port',
  severity: 'warning',
  keys: ['proxy_server'],
  source: 'hybridctl',
  check: ({ conf }) => {
    const v = conf.proxy_server;
    // An https proxy on 443 is the natural default; an http proxy on 443 almost never is.
    if (!v || !/^http:\/\//i.test(v)) return [];
    const authority = v.replace(/^http:\/\//i, '').split(/[/?#]/)[0]!;
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    return /:\d+$/.test(hostPort) ? [] : [{ message: 'proxy_server has no port: Kong connects to port 443 even for an http:// proxy', hint: 'write the port explicitly, e.g. http://proxy.internal:3128' }];
  },
};

export const controlPlaneAddress: Rule = {
  id: 'cluster-address',
  severity: 'error',
  keys: ['cluster_control_plane'],
  source: 'hybridctl',
  check: ({ conf, isSet }) => {
    if (conf.role !== 'data_plane' || !isSet('cluster_control_plane')) return [];
    const r = parseClusterAddress(conf.cluster_control_plane ?? '');
    return r.ok ? [] : [{ message: r.message, hint: r.hint }];
  },
};

export const controlPlanePort: Rule = {
  id: 'control-plane-port',
  severity: 'warning',
  keys: ['cluster_control_plane'],
  source: 'hybridctl',
  check: ({ conf, isSet }) => {
    if (conf.role !== 'data_plane' || !isSet('cluster_control_plane')) return [];
    const r = parseClusterAddress(conf.cluster_control_plane ?? '');
    return r.ok && !r.address.portGiven ? [{ message: missingPortWarning(r.address), hint: `write it as ${r.address.hostPort.replace(/:443$/, ':8005')}` }] : [];
  },
};

export const dpWithoutControlPlane: Rule = {
  id: 'data-plane-default-control-plane',
  severity: 'warning',
  keys: ['cluster_control_plane'],
  source: 'hybridctl',
  check: ({ conf, isSet }) =>
    conf.role === 'data_plane' && !isSet('cluster_control_plane') ? [{ message: 'cluster_control_plane is not set: the data plane connects to Kong\'s default 127.0.0.1:8005', hint: 'set cluster_control_plane to the CP cluster address, e.g. cp.example.com:8005' }] : [],
};

export const PROXY_RULES: readonly Rule[] = [sharedModeBehindProxy, pkiProxyWithoutServerName, httpsProxyUnverified, proxyServerPort, controlPlaneAddress, controlPlanePort, dpWithoutControlPlane];
