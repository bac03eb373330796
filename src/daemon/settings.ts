// From a checked kong.conf to what the daemons run with: files read, listeners picked, defaults applied.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { ConfigError } from '../errors.js';
import { bindHost, missingPortWarning, parseClusterAddress, readCertificateValue, readKeyValue, resolvePemValue, type Listener, type LoadedConf } from '../conf/index.js';
import { DEFAULT_MAX_INTERMEDIATES } from '../pki/verify/index.js';
import { ensureClusterCert } from './cluster-cert.js';
import { resolvePrefix } from './prefix.js';
import { accessLogPaths } from './log-paths.js';
import type { CpSettings, DpSettings, EnabledSet, Listen } from './settings-types.js';
import { enabledPlugins } from '../plugins/enabled.js';
import { BUNDLED } from '../plugins/registry.js';

export type { CpSettings, DpSettings } from './settings-types.js';

/** Admin API, status and cluster: the first plain entry is served (Kong's 8444 TLS admin entry is not). */
function plainListener(key: string, list: Listener[], log?: Logger): Listen | null {
  if (list.length === 0) return null;
  const plain = list.find((l) => !l.ssl);
  const skipped = list.filter((l) => l !== plain);
  if (skipped.length > 0) log?.debug(`${key}: serving ${plain ? plain.listener : 'nothing'}; ${skipped.map((l) => l.listener).join(', ')} not served (TLS listeners and extra entries are not supported)`);
  if (!plain) throw new ConfigError(`${key} has only TLS listeners (${list.map((l) => l.listener).join(', ')}), which hybridctl does not serve`, [], { hint: `add a plain entry, e.g. --${key.replace(/_/g, '-')} 127.0.0.1:8001` });
  return { host: bindHost(plain), port: plain.port };
}

/** kong.conf `plugins`; a name this node cannot run stops the start, as in Kong. */
export function pluginSet(loaded: LoadedConf): EnabledSet {
  const r = enabledPlugins(loaded.conf.plugins.join(',') || 'bundled', BUNDLED);
  if (r.missing.length > 0) {
    throw new ConfigError(`${r.missing[0]} plugin is enabled but not installed${r.missing.length > 1 ? ` (also: ${r.missing.slice(1).join(', ')})` : ''}`, [], {
      hint: `hybridctl runs: ${BUNDLED.map((m) => m.name).join(', ')}; remove the others from plugins (or use plugins = bundled)`,
    });
  }
  return r.modules;
}

function prefixOf(loaded: LoadedConf, home: string): string {
  const explicit = loaded.entries.get('prefix')?.source !== 'default';
  const r = resolvePrefix({ prefix: explicit ? loaded.conf.prefix : undefined, home, explicit });
  return r.prefix;
}

function pems(key: string, value: string | null): string[] {
  return value ? [readCertificateValue(key, value)] : [];
}

export async function cpSettings(loaded: LoadedConf, ctx: { home: string; workDir?: string; now: Date; log: Logger }): Promise<CpSettings> {
  const c = loaded.conf;
  let certPem: string;
  let keyPem: string;
  if (Boolean(c.cluster_cert) !== Boolean(c.cluster_cert_key)) {
    throw new ConfigError(`${c.cluster_cert ? 'cluster_cert_key' : 'cluster_cert'} is missing while ${c.cluster_cert ? 'cluster_cert' : 'cluster_cert_key'} is set`, [], {
      hint: 'set both (--cluster-cert and --cluster-cert-key), or neither to let the control plane generate a shared pair',
    });
  }
  if (!c.cluster_cert && c.cluster_mtls === 'pki') {
    throw new ConfigError('cluster_mtls = pki needs cluster_cert and cluster_cert_key (a CP certificate with serverAuth)', [], {
      hint: 'hybridctl gen-cert --mode pki --out-dir pki, then --cluster-cert pki/cp.crt --cluster-cert-key pki/cp.key --cluster-ca-cert pki/ca.crt',
    });
  }
  if (c.cluster_cert && c.cluster_cert_key) {
    certPem = readCertificateValue('cluster_cert', c.cluster_cert);
    keyPem = readKeyValue('cluster_cert_key', c.cluster_cert_key);
  } else {
    const workDir = ctx.workDir ?? join(ctx.home, '.hybridctl');
    const pair = await ensureClusterCert(workDir, ctx.now);
    certPem = readCertificateValue('cluster_cert', pair.certPath);
    keyPem = readKeyValue('cluster_cert_key', pair.keyPath);
    ctx.log.info(pair.generated ? 'no cluster certificate configured: generated a shared pair' : 'no cluster certificate configured: using the generated shared pair', {
      cert_file: pair.certPath,
      key_file: pair.keyPath,
      valid_for: pair.names.join(','),
      dp_flags: `--cert-file ${pair.certPath} --key-file ${pair.keyPath}`,
    });
  }
  return {
    prefix: prefixOf(loaded, ctx.home),
    mode: c.cluster_mtls,
    certPem,
    keyPem,
    caPems: pems('cluster_ca_cert', c.cluster_ca_cert),
    clusterListen: plainListener('cluster_listen', c.cluster_listen, ctx.log)!,
    adminListen: plainListener('admin_listen', c.admin_listen, ctx.log),
    statusListen: plainListener('status_listen', c.status_listen, ctx.log),
    maxIntermediates: DEFAULT_MAX_INTERMEDIATES,
    ocsp: c.cluster_ocsp,
    maxPayload: c.cluster_max_payload,
    purgeDelaySec: c.cluster_data_plane_purge_delay,
    plugins: pluginSet(loaded),
    accessLogs: accessLogPaths(loaded, prefixOf(loaded, ctx.home)),
  };
}

/** ssl_cert/ssl_cert_key (Kong's proxy certificate) when set; else the daemon generates a default. */
function proxyCertificate(loaded: LoadedConf): { certPem: string; keyPem: string } | undefined {
  const cert = loaded.entries.get('ssl_cert')?.value ?? null;
  const key = loaded.entries.get('ssl_cert_key')?.value ?? null;
  if (!cert && !key) return undefined;
  return { certPem: readCertificateValue('ssl_cert', cert), keyPem: readKeyValue('ssl_cert_key', key) };
}

function labels(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  return Object.fromEntries(list.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
}

/** cluster_control_plane as the connection uses it; Kong's default when unset. */
function controlPlane(value: string | null, log?: Logger): string {
  const r = parseClusterAddress(value ?? '127.0.0.1:8005');
  if (!r.ok) throw new ConfigError(r.message, [], { hint: r.hint });
  if (!r.address.portGiven) log?.warn(missingPortWarning(r.address));
  return r.address.hostPort;
}

function workers(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`nginx_worker_processes has an invalid value: '${value}' (auto or a whole number ≥ 1)`, []);
  return n;
}

export function dpSettings(loaded: LoadedConf, ctx: { home: string; log?: Logger; forDoctor?: boolean }): DpSettings {
  const c = loaded.conf;
  const certPem = readCertificateValue('cluster_cert', c.cluster_cert);
  const keyPem = readKeyValue('cluster_cert_key', c.cluster_cert_key);
  // Kong appends cluster_ca_cert to the trusted list in pki mode; the trusted list also checks an https proxy.
  const trusted = c.lua_ssl_trusted_certificate.flatMap((v) => {
    const r = resolvePemValue(v);
    return 'pem' in r ? [r.pem] : [];
  });
  const ca = pems('cluster_ca_cert', c.cluster_ca_cert);
  return {
    prefix: ctx.forDoctor ? '' : prefixOf(loaded, ctx.home),
    mode: c.cluster_mtls,
    cpAddress: controlPlane(c.cluster_control_plane, ctx.log),
    certPem,
    keyPem,
    caPems: c.cluster_mtls === 'pki' ? [...ca, ...trusted] : [],
    serverName: c.cluster_server_name ?? undefined,
    forwardProxy: c.cluster_use_proxy && c.proxy_server ? { url: c.proxy_server, sslVerify: c.proxy_server_ssl_verify, caPems: [...trusted, ...ca] } : null,
    proxyListeners: ctx.forDoctor ? [] : c.proxy_listen.map((l) => ({ host: bindHost(l), port: l.port, ssl: l.ssl, http2: l.http2 })),
    proxyTls: !ctx.forDoctor && c.proxy_listen.some((l) => l.ssl) ? proxyCertificate(loaded) : undefined,
    statusListen: ctx.forDoctor ? null : plainListener('status_listen', c.status_listen, ctx.log),
    declarativeConfig: c.declarative_config ?? undefined,
    cacheMode: c.data_plane_config_cache_mode,
    cachePath: c.data_plane_config_cache_path ?? undefined,
    labels: labels(c.cluster_dp_labels),
    workers: workers(c.nginx_worker_processes),
    plugins: pluginSet(loaded),
    accessLogs: ctx.forDoctor ? undefined : accessLogPaths(loaded, prefixOf(loaded, ctx.home)),
  };
}
