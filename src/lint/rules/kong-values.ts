// Kong's remaining check_and_parse rules that concern any node: node_id, the removed Cassandra
// store, trusted certificates, and the listeners the conf loader does not type.
import { parseListeners, resolvePemValue, shownValue } from '../../conf/index.js';
import type { Hit, Rule } from '../rule.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const nodeId: Rule = {
  id: 'node-id-uuid',
  severity: 'error',
  keys: ['node_id'],
  source: 'kong',
  check: ({ conf }) => (conf.node_id && !UUID.test(conf.node_id) ? [{ message: 'node_id must be a valid UUID' }] : []),
};

export const cassandra: Rule = {
  id: 'cassandra-unsupported',
  severity: 'error',
  keys: ['database'],
  source: 'kong',
  check: ({ conf }) => (conf.database === 'cassandra' ? [{ message: 'Cassandra as a datastore for Kong is not supported in versions 3.4 and above. Please use Postgres.' }] : []),
};

/** A value as it may be shown: paths as written, inline material never. */
export const trustedCertificates: Rule = {
  id: 'trusted-certificate-unreadable',
  severity: 'error',
  keys: ['lua_ssl_trusted_certificate'],
  source: 'kong',
  check: ({ conf }) => {
    const out: Hit[] = [];
    for (const entry of conf.lua_ssl_trusted_certificate) {
      const r = resolvePemValue(entry);
      const bad = 'error' in r ? r.error : /-----BEGIN CERTIFICATE-----/.test(r.pem) ? null : 'no PEM certificate in it';
      if (bad) out.push({ message: `lua_ssl_trusted_certificate: failed loading certificate from ${shownValue(entry, 'source' in r ? r.source : undefined)} (${bad})` });
    }
    return out;
  },
};

// Kong's listener flags per subsystem, in the order its error message lists them.
const STREAM_FORM =
  '[off] | <ip>:<port> [udp] [ssl] [proxy_protocol] [bind] [reuseport] [backlog=%d+] [ipv6only=on] [ipv6only=off] [so_keepalive=on] [so_keepalive=off] [so_keepalive=%w*:%w*:%d*], [... next entry ...]';

export function streamListenError(key: string, value: string | null): string | null {
  if (value === null) return null;
  const entries = value.split(',');
  const noHttp = entries.every((e) => !/(^|\s)(http2|deferred)(\s|$)/.test(e));
  // udp is the one stream-only flag: without it the entry is an http-style one minus http2/deferred.
  const ok = noHttp && parseListeners(key, entries.map((e) => e.replace(/(^|\s)udp(?=\s|$)/g, ' ')).join(',')).ok;
  return ok ? null : `${key} must be of form: ${STREAM_FORM}`;
}

export const otherListeners: Rule = {
  id: 'listener-syntax',
  severity: 'error',
  keys: ['stream_listen', 'admin_gui_listen'],
  source: 'kong',
  check: ({ loaded }) => {
    const raw = (k: string) => loaded.entries.get(k)?.value ?? null;
    const out: Hit[] = [];
    const stream = streamListenError('stream_listen', raw('stream_listen'));
    if (stream) out.push({ key: 'stream_listen', message: stream });
    const gui = raw('admin_gui_listen');
    if (gui !== null) {
      const r = parseListeners('admin_gui_listen', gui);
      if (!r.ok) out.push({ key: 'admin_gui_listen', message: r.message });
    }
    return out;
  },
};

export const KONG_VALUE_RULES: readonly Rule[] = [nodeId, cassandra, trustedCertificates, otherListeners];
