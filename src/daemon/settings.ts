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
import type { CpSettings, DpSettings, EnabledSet, ListenEntry, TlsPair } from './settings-types.js';
import { enabledOnNode } from '../plugins/installed.js';
import { databaseChoice } from './database.js';

export type { CpSettings, DpSettings } from './settings-types.js';

/** Every entry of a listener list is served; `ssl` ones with the certificate of that listener. */
function entries(list: Listener[]): ListenEntry[] {
  return list.map((l) => ({ host: bindHost(l), port: l.port, ssl: l.ssl, http2: l.http2 }));
}

/** `<name>_ssl_cert` / `<name>_ssl_cert_key` when set (both or neither); else undefined and a default is generated. */
export function listenerCertificate(loaded: LoadedConf, name: 'admin' | 'status' | ''): TlsPair | undefined {
  const certKey = name ? `${name}_ssl_cert` : 'ssl_cert';
  const keyKey = `${certKey}_key`;
  const cert = loaded.entries.get(certKey)?.value ?? null;
  const key = loaded.entries.get(keyKey)?.value ?? null;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError(`${cert ? keyKey : certKey} is missing while ${cert ? certKey : keyKey} is set`, [], { hint: `set both ${certKey} and ${keyKey}, or neither to use a generated self-signed certificate` });
  return { certPem: readCertificateValue(certKey, cert), keyPem: readKeyValue(keyKey, key) };
}

/** kong.conf `plugins`; a name this node cannot run (or a plugin file that does not load) stops the start, as in Kong. */
export function pluginSet(loaded: LoadedConf): EnabledSet {
  const r = enabledOnNode(loaded.conf.plugins.join(',') || 'bundled', (k) => loaded.entries.get(k)?.value ?? null);
  if (r.error) throw new ConfigError(r.error.message, [], { hint: r.error.hint });
  return r.modules;
}

/** The prefix a daemon of this configuration runs in (created if needed). */
export function prefixOf(loaded: LoadedConf, home: string): string {
  const explicit = loaded.entries.get('prefix')?.source !== 'default';
  const r = resolvePrefix({ prefix: explicit ? loaded.conf.prefix : undefined, home, explicit });
  return r.prefix;
}

/** Kong's conf_loader: sync over RPC needs the RPC, and is turned off (with this warning) without it. */
function rpcSyncWarning(loaded: LoadedConf, log?: Logger): void {
  if (loaded.conf.cluster_rpc_sync && !loaded.conf.cluster_rpc) log?.warn('Cluster rpc sync has been forcibly disabled, please enable cluster RPC.');
}

/**
 * A control plane offers sync v2 on /v2/outlet unless kong.conf turns cluster_rpc or
 * cluster_rpc_sync off explicitly: only data planes that ask for it use it (Kong's DP default is
 * off), and a Kong DP that asks would otherwise never sync at all.
 */
function offersSyncV2(loaded: LoadedConf): boolean {
  const off = (k: 'cluster_rpc' | 'cluster_rpc_sync') => (loaded.entries.get(k)?.source ?? 'default') !== 'default' && !loaded.conf[k];
  return !off('cluster_rpc') && !off('cluster_rpc_sync');
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
  rpcSyncWarning(loaded, ctx.log);
  return {
    prefix: prefixOf(loaded, ctx.home),
    mode: c.cluster_mtls,
    certPem,
    keyPem,
    caPems: pems('cluster_ca_cert', c.cluster_ca_cert),
    syncV2: offersSyncV2(loaded),
    clusterListen: c.cluster_listen.map((l) => ({ host: bindHost(l), port: l.port })),
    adminListen: entries(c.admin_listen),
    adminTls: c.admin_listen.some((l) => l.ssl) ? listenerCertificate(loaded, 'admin') : undefined,
    statusListen: entries(c.status_listen),
    statusTls: c.status_listen.some((l) => l.ssl) ? listenerCertificate(loaded, 'status') : undefined,
    maxIntermediates: DEFAULT_MAX_INTERMEDIATES,
    ocsp: c.cluster_ocsp,
    maxPayload: c.cluster_max_payload,
    purgeDelaySec: c.cluster_data_plane_purge_delay,
    plugins: pluginSet(loaded),
    accessLogs: accessLogPaths(loaded, prefixOf(loaded, ctx.home)),
    database: databaseChoice(loaded),
  };
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
  if (!ctx.forDoctor) rpcSyncWarning(loaded, ctx.log);
  return {
    prefix: ctx.forDoctor ? '' : prefixOf(loaded, ctx.home),
    mode: c.cluster_mtls,
    cpAddress: controlPlane(c.cluster_control_plane, ctx.log),
    certPem,
    keyPem,
    caPems: c.cluster_mtls === 'pki' ? [...ca, ...trusted] : [],
    serverName: c.cluster_server_name ?? undefined,
    forwardProxy: c.cluster_use_proxy && c.proxy_server ? { url: c.proxy_server, sslVerify: c.proxy_server_ssl_verify, caPems: [...trusted, ...ca] } : null,
    proxyListeners: ctx.forDoctor ? [] : entries(c.proxy_listen),
    proxyTls: !ctx.forDoctor && c.proxy_listen.some((l) => l.ssl) ? listenerCertificate(loaded, '') : undefined,
    statusListen: ctx.forDoctor ? [] : entries(c.status_listen),
    statusTls: !ctx.forDoctor && c.status_listen.some((l) => l.ssl) ? listenerCertificate(loaded, 'status') : undefined,
    declarativeConfig: c.declarative_config ?? undefined,
    cacheMode: c.data_plane_config_cache_mode,
    cachePath: c.data_plane_config_cache_path ?? undefined,
    labels: labels(c.cluster_dp_labels),
    rpcSync: c.cluster_rpc && c.cluster_rpc_sync,
    workers: workers(c.nginx_worker_processes),
    plugins: pluginSet(loaded),
    accessLogs: ctx.forDoctor ? undefined : accessLogPaths(loaded, prefixOf(loaded, ctx.home)),
  };
}
