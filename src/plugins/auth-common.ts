// What every Kong authentication plugin does once it knows who is calling (kong/plugins/*/access:
// set_consumer): the consumer and credential on the request, and the X-Consumer-* headers upstream.
import type { Row } from '../entities/index.js';
import type { Kong } from './pdk/types.js';

const nonEmpty = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function put(req: Kong['service']['request'], name: string, v: string | null): void {
  if (v === null) req.clearHeader(name);
  else req.setHeader(name, v);
}

export function setConsumer(kong: Kong, consumer: Row | null, credential: Row | null): void {
  const req = kong.service.request;
  put(req, 'X-Consumer-ID', consumer ? nonEmpty(consumer.id) : null);
  put(req, 'X-Consumer-Custom-ID', consumer ? nonEmpty(consumer.custom_id) : null);
  put(req, 'X-Consumer-Username', consumer ? nonEmpty(consumer.username) : null);
  put(req, 'X-Credential-Identifier', credential ? nonEmpty(credential.id) : null);
  if (credential) req.clearHeader('X-Anonymous-Consumer');
  else req.setHeader('X-Anonymous-Consumer', 'true');
  kong.client.authenticate(consumer, credential);
}

/**
 * Kong's anonymous fallback: the configured consumer (id or username) stands in for a failed
 * authentication; a configured one that does not exist is a server error.
 */
export function authenticateAnonymous(kong: Kong, anonymous: string): boolean {
  const consumer = kong.client.loadConsumer(anonymous, true);
  if (!consumer) {
    kong.response.error(500, `anonymous consumer ${anonymous} is configured but doesn't exist`);
    return false;
  }
  setConsumer(kong, consumer, null);
  return true;
}

/** Credentials of one kind from the config_table, indexed by a field, with their consumer id. */
export function indexCredentials(rows: unknown, field: string): Map<string, Row> {
  const out = new Map<string, Row>();
  if (!Array.isArray(rows)) return out;
  for (const r of rows as Row[]) {
    const k = r[field];
    if (typeof k === 'string') out.set(k, r);
  }
  return out;
}

export const consumerIdOf = (cred: Row): string | null => {
  const c = cred.consumer;
  return typeof c === 'string' ? c : c && typeof c === 'object' && typeof (c as Row).id === 'string' ? ((c as Row).id as string) : null;
};
