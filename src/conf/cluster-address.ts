// cluster_control_plane (--cp-address), read once for every command that takes it: dp run, doctor,
// lint and init dp. Kong does not check the value; it connects to "wss://" .. value .. "/v1/outlet",
// so a value without a port connects to 443 (the wss default) and one with a scheme or a path
// produces a URL that never connects. The first is Kong's behaviour and is kept (with a warning);
// the second is refused here, at start, rather than failing on every reconnect.
import { isIP } from 'node:net';


export interface ClusterAddress {
  host: string;
  port: number;
  /** False when the value had no port and 443 applies, as it does in Kong. */
  portGiven: boolean;
  /** host:port as the connection uses it, IPv6 in brackets. */
  hostPort: string;
}

export type ClusterAddressResult = { ok: true; address: ClusterAddress } | { ok: false; message: string; hint: string };

const HOST = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})?)*\.?$/;

export function parseClusterAddress(raw: string): ClusterAddressResult {
  const value = raw.trim();
  const bad = (why: string, hint: string): ClusterAddressResult => ({ ok: false, message: `cluster_control_plane: '${raw.trim()}' is not HOST:PORT: ${why}`, hint });
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(value);
  if (scheme) {
    const rest = scheme[2]!.replace(/[/?#].*$/, '');
    return bad(`drop the ${scheme[1]}:// scheme (Kong adds wss:// itself)`, `write it as ${rest || 'cp.example.com:8005'}`);
  }
  if (/[/?#]/.test(value)) return bad('drop the path (Kong adds /v1/outlet itself)', `write it as ${value.replace(/[/?#].*$/, '')}`);
  const m = /^\[([^\]]+)\](?::(\d*))?$/.exec(value) ?? /^([^:[\]]*)(?::(\d*))?$/.exec(value);
  if (!m) {
    return isIP(value) === 6
      ? bad('an IPv6 address needs brackets', `write it as [${value}]:8005`)
      : bad('expected a host and a port', 'e.g. cp.example.com:8005');
  }
  const host = m[1]!;
  const bracketed = value.startsWith('[');
  if (bracketed ? isIP(host) !== 6 : !(isIP(host) === 4 || HOST.test(host))) return bad(`'${host}' is not a host name or IP address`, 'e.g. cp.example.com:8005');
  if (m[2] === '') return bad('the port is empty', `write it as ${value}8005`);
  const port = m[2] === undefined ? 443 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return bad(`port ${m[2]} is outside 1-65535`, "the CP cluster_listen port is 8005 unless it was changed");
  const shown = bracketed ? `[${host}]` : host;
  return { ok: true, address: { host, port, portGiven: m[2] !== undefined, hostPort: `${shown}:${port}` } };
}

/** The one warning for a value without a port (lint finding, dp run log line, init dp note). */
export function missingPortWarning(a: ClusterAddress): string {
  return `cluster_control_plane: '${a.host}' has no port: the data plane connects to 443 as Kong does, not to the CP cluster_listen port (8005 by default)`;
}
