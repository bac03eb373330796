// ip-restriction (Kong 3.10 kong/plugins/ip-restriction): refuses clients by address, deny list
// first, then allow list.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { arr, num, str } from '../schema/types.js';
import { CidrMatcher, checkIpOrCidr, parseClient } from './cidr.js';

interface Conf {
  allow: CidrMatcher | null;
  deny: CidrMatcher | null;
  /** null: Kong's default status and message. */
  status: number | null;
  message: string | null;
}

const isEmpty = (v: unknown) => !Array.isArray(v) || v.length === 0;

function reject(kong: Kong, conf: Conf, ip: string): void {
  const status = conf.status ?? 403;
  // Kong hands the configured status to kong.response.error, which fails on anything but 400-599:
  // the request is still refused, with Kong's 500.
  if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error(`code must be a number between 400 and 599 (ip-restriction status ${status})`);
  const message = conf.message ?? `IP address not allowed: ${ip}`;
  kong.log.warn(message);
  kong.response.error(status, message);
}

export const ipRestriction: PluginModule<Conf> = {
  name: 'ip-restriction',
  version: KONG_PROTOCOL_VERSION,
  priority: 990,
  schema: {
    // Kong also allows tcp and tls (its stream subsystem); hybridctl proxies HTTP only, so a
    // stream-only instance would enforce nothing: refused rather than accepted.
    protocols: ['grpc', 'grpcs', 'http', 'https'],
    fields: [
      ['allow', arr(str({ check: checkIpOrCidr }))],
      ['deny', arr(str({ check: checkIpOrCidr }))],
      ['status', num()],
      ['message', str()],
    ],
    entityChecks: [
      (c) => (isEmpty(c.allow) && isEmpty(c.deny) ? { entity: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" } : null),
    ],
  },
  compile(config) {
    const list = (v: unknown) => (isEmpty(v) ? null : new CidrMatcher(v as string[]));
    return {
      allow: list(config.allow),
      deny: list(config.deny),
      status: typeof config.status === 'number' ? config.status : null,
      message: typeof config.message === 'string' ? config.message : null,
    };
  },
  access(kong, conf) {
    const raw = kong.client.getIp();
    const client = raw ? parseClient(raw) : null;
    if (!client) {
      kong.response.error(403, 'Cannot identify the client IP address, unix domain sockets are not supported.');
      return;
    }
    if (conf.deny && conf.deny.match(client)) return reject(kong, conf, client.text);
    if (conf.allow && !conf.allow.match(client)) return reject(kong, conf, client.text);
  },
};
