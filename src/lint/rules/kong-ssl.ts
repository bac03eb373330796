// Kong's checks on the certificates of ssl listeners, in Kong's words (kong/conf_loader/parse.lua,
// check_and_parse: the proxy_/admin_/status_ loop). They apply only when a listener has `ssl`.
import { parseListeners, resolvePemValue, shownValue } from '../../conf/index.js';
import type { Hit, Rule, RuleContext } from '../rule.js';

// Listener key → the prefix of its certificate properties ("proxy_" is dropped, as Kong does).
const LISTENERS: readonly [string, string][] = [['proxy_listen', ''], ['admin_listen', 'admin_'], ['status_listen', 'status_']];
const CERT_LABEL = /-----BEGIN CERTIFICATE-----/;
const KEY_LABEL = /-----BEGIN (ENCRYPTED |EC |RSA )?PRIVATE KEY-----/;

// Kong's array type: comma-separated, entries trimmed, empty ones dropped.
const list = (v: string | null): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function sslEnabled(ctx: RuleContext, listenKey: string): boolean {
  const raw = ctx.loaded.entries.get(listenKey)?.value ?? null;
  const r = parseListeners(listenKey, raw);
  // stream_listen also turns on the proxy certificates in Kong.
  const stream = listenKey === 'proxy_listen' && /(^|\s)ssl(\s|,|$)/.test(`${ctx.loaded.entries.get('stream_listen')?.value ?? ''} `);
  return (r.ok && r.listeners.some((l) => l.ssl)) || stream;
}

function loadErrors(key: string, values: string[], want: 'certificate' | 'key'): Hit[] {
  const out: Hit[] = [];
  for (const v of values) {
    const r = resolvePemValue(v);
    if ('pem' in r && (want === 'certificate' ? CERT_LABEL : KEY_LABEL).test(r.pem)) continue;
    // Kong prints the value itself; a key given inline is secret, so only paths are shown.
    const shown = shownValue(v, 'source' in r ? r.source : undefined);
    out.push({ key, message: `${key}: failed loading ${want} from ${shown}` });
  }
  return out;
}

export const sslListenerCerts: Rule = {
  id: 'ssl-cert',
  severity: 'error',
  keys: ['ssl_cert', 'ssl_cert_key', 'admin_ssl_cert', 'admin_ssl_cert_key', 'status_ssl_cert', 'status_ssl_cert_key'],
  source: 'kong',
  check: (ctx) => {
    const out: Hit[] = [];
    for (const [listenKey, prefix] of LISTENERS) {
      if (!sslEnabled(ctx, listenKey)) continue;
      const certKey = `${prefix}ssl_cert`;
      const keyKey = `${prefix}ssl_cert_key`;
      const certs = list(ctx.loaded.entries.get(certKey)?.value ?? null);
      const keys = list(ctx.loaded.entries.get(keyKey)?.value ?? null);
      if (certs.length > 0 && keys.length === 0) out.push({ key: keyKey, message: `${keyKey} must be specified` });
      else if (keys.length > 0 && certs.length === 0) out.push({ key: certKey, message: `${certKey} must be specified` });
      else if (certs.length !== keys.length) {
        out.push({ key: certKey, message: `${certKey} was specified ${certs.length} times while ${keyKey} was specified ${keys.length} times` });
      }
      out.push(...loadErrors(certKey, certs, 'certificate'), ...loadErrors(keyKey, keys, 'key'));
    }
    return out;
  },
};
