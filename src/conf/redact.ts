// Printable forms of a configuration: secret values masked, proxy credentials removed from URLs.
import type { LoadedConf } from './load.js';
import { isSecretKey } from './schema.js';

export const MASK = '******';

export function maskUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_m, scheme: string, cred: string) => `${scheme}${cred.includes(':') ? `${cred.split(':')[0]}:${MASK}` : MASK}@`);
}

// Kong's CONF_SENSITIVE (conf_loader/constants.lua) beyond what the schema marks secret: a key
// may be given as its base64 value, and an inline declarative config may hold credentials.
const SENSITIVE = new Set([
  'declarative_config_string', 'ssl_cert_key', 'client_ssl_cert_key', 'admin_ssl_cert_key', 'admin_gui_ssl_cert_key', 'status_ssl_cert_key', 'debug_ssl_cert_key',
]);

export function printableValue(key: string, value: string | null): string | null {
  if (value === null) return null;
  if (key === 'proxy_server') return maskUrlCredentials(value);
  // A key file's path names which file, not the key; a password is masked whatever it looks like
  // (one may start with '/'), as Kong's remove_sensitive() masks pg_password and pg_ro_password.
  if (isSecretKey(key) || SENSITIVE.has(key)) return key.endsWith('_key') && value.startsWith('/') ? value : MASK;
  if (value.includes('PRIVATE KEY')) return MASK;
  return value;
}

/** key → printable value, for everything that is not a default. */
export function redactedEntries(loaded: LoadedConf): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, e] of [...loaded.entries].sort(([a], [b]) => a.localeCompare(b))) if (e.source !== 'default') out[k] = printableValue(k, e.value);
  return out;
}
