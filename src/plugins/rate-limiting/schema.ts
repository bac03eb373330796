// rate-limiting's config (Kong 3.10 kong/plugins/rate-limiting/schema.lua), as a control plane or a
// DB-less node sees it: `cluster` is not a policy there, and `redis` is refused because this data
// plane cannot reach a Redis: its limits are the node's own, shared by its proxy workers.
import type { PluginSchema } from '../schema/types.js';
import { bool, int, num, record, str } from '../schema/types.js';

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

const limit = () => num({ gt: 0 });

function headerName(v: string): string | null {
  return /^[a-zA-Z0-9\-_]+$/.test(v) ? null : `bad header name '${v}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
}

function path(v: string): string | null {
  if (!v.startsWith('/')) return 'should start with: /';
  return v.includes('//') ? 'must not have empty segments' : null;
}

const redis = record([
  ['host', str()],
  ['port', int({ between: [0, 65535], default: 6379 })],
  ['timeout', int({ between: [0, 2147483646], default: 2000 })],
  ['username', str({ referenceable: true })],
  ['password', str({ referenceable: true, encrypted: true, len_min: 0 })],
  ['database', int({ default: 0 })],
  ['ssl', bool({ required: false, default: false })],
  ['ssl_verify', bool({ required: false, default: false })],
  ['server_name', str()],
], { required: true });

const fmt = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

export const schema: PluginSchema = {
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  fields: [
    ...PERIODS.map((p) => [p, limit()] as const),
    ['limit_by', str({ default: 'consumer', one_of: ['consumer', 'credential', 'ip', 'service', 'header', 'path'] })],
    ['header_name', str({ check: headerName })],
    ['path', str({ check: path })],
    ['policy', str({
      default: 'local', len_min: 0, one_of: ['local', 'redis'],
      check: (v: string) => (v === 'redis' ? "policy 'redis' is not supported by hybridctl data planes: use 'local' (limits are per data plane, shared by its proxy workers)" : null),
    })],
    ['fault_tolerant', bool({ required: true, default: true })],
    ['redis', redis],
    ['hide_client_headers', bool({ required: true, default: false })],
    ['error_code', num({ default: 429, gt: 0 })],
    ['error_message', str({ default: 'API rate limit exceeded' })],
    ['sync_rate', num({ required: true, default: -1 })],
  ],
  entityChecks: [
    (c) => (PERIODS.some((p) => c[p] !== null && c[p] !== undefined)
      ? null
      : { entity: `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}` }),
    (c) => {
      for (let i = 0; i < PERIODS.length; i++) {
        const lower = c[PERIODS[i]!];
        if (typeof lower !== 'number') continue;
        for (let j = i + 1; j < PERIODS.length; j++) {
          const upper = c[PERIODS[j]!];
          if (typeof upper === 'number' && upper < lower) return `The limit for ${PERIODS[j]}(${fmt(upper)}) cannot be lower than the limit for ${PERIODS[i]}(${fmt(lower)})`;
        }
      }
      return null;
    },
    (c) => (c.policy !== 'redis' && c.sync_rate !== -1 ? 'sync_rate can only be used with the redis policy' : null),
    (c) => (c.limit_by === 'header' && !c.header_name ? { field: 'header_name', message: 'required field missing' } : null),
    (c) => (c.limit_by === 'path' && !c.path ? { field: 'path', message: 'required field missing' } : null),
  ],
};
