// Kong's services entity checks for the upstream TLS fields (kong/db/schema/entities/services.lua):
// they only mean something when the service speaks TLS to its upstream, so any other protocol
// must leave them null.
import type { Row } from './validate.js';

const TLS_FIELDS = ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates'] as const;
const TLS_PROTOCOLS = new Set(['https', 'tls']);

/** One conditional failure per field set on a non-TLS service, named as Kong names it. */
export function serviceTlsChecks(row: Row): string[] {
  if (typeof row.protocol !== 'string' || TLS_PROTOCOLS.has(row.protocol)) return [];
  const out: string[] = [];
  for (const k of TLS_FIELDS) {
    if (row[k] === null || row[k] === undefined) continue;
    out.push(Object.assign(new String("failed conditional validation given value of field 'protocol'"), { field: k, message: 'value must be null' }) as unknown as string);
  }
  return out;
}
