// The daemons' configuration: kong.conf < KONG_* < flags, the Kuma-style flags being aliases of
// kong.conf properties and any other `--property-name VALUE` read as the property itself.
import { loadConf, isKnownKey, suggestKey, type LoadedConf } from '../../conf/index.js';
import type { Io } from '../io.js';
import { confFlags } from '../conf-flags.js';

export interface DaemonFlags {
  conf?: string;
  prefix?: string;
  logFormat?: string;
  logLevel?: string;
  cpAddress?: string;
  caCertFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}

const ALIASES: [keyof DaemonFlags, string][] = [
  ['prefix', 'prefix'],
  ['cpAddress', 'cluster_control_plane'],
  ['caCertFile', 'cluster_ca_cert'],
  ['certFile', 'cluster_cert'],
  ['keyFile', 'cluster_cert_key'],
  ['serverName', 'cluster_server_name'],
];

export function loadDaemonConf(role: 'control_plane' | 'data_plane', flags: DaemonFlags, rest: string[], io: Io): LoadedConf {
  const fromFlags: Record<string, string> = { role, ...confFlags(rest, isKnownKey, suggestKey) };
  for (const [flag, key] of ALIASES) {
    const v = flags[flag];
    if (typeof v === 'string') fromFlags[key] = v;
  }
  // Properties declared as options of their own (--cluster-mtls, --proxy-listen …) arrive camel-cased.
  for (const [name, v] of Object.entries(flags)) {
    const key = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (typeof v === 'string' && isKnownKey(key) && !ALIASES.some(([f]) => f === name)) fromFlags[key] = v;
  }
  if (fromFlags.role !== role) fromFlags.role = role;
  return loadConf({ file: flags.conf ?? null, env: io.env, flags: fromFlags, role });
}
