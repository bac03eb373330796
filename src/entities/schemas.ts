// Kong's core entities as data: fields, types, defaults and limits (kong/db/schema/entities/*.lua).
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'set' | 'map' | 'record' | 'foreign';

export interface Field {
  type: FieldType;
  required?: boolean;
  default?: unknown;
  oneOf?: readonly string[];
  between?: readonly [number, number];
  /** For foreign keys: the entity referenced. */
  reference?: string;
  unique?: boolean;
  /** Kong's auto fields: set by the store, ignored when given on create; `random` only when not given. */
  auto?: 'uuid' | 'timestamp' | 'random';
  /** Secrets (credentials): never logged. */
  secret?: boolean;
  /** Kong's transient fields: accepted on writes, never stored on the row (certificates.snis). */
  transient?: boolean;
  /** The rule a string (or each string of an array/set) is checked by: Kong's typedef of the field. */
  elements?: 'path' | 'host' | 'route_host' | 'wildcard_host' | 'host_with_port' | 'upstream_name' | 'target' | 'utf8_name' | 'tag' | 'method' | 'protocol' | 'string' | 'ip_port' | 'uuid';
  /** Maps whose keys and values Kong checks: `headers` is header name → array of strings. */
  map?: 'headers';
  startsWith?: string;
}

export interface EntitySchema {
  name: string;
  /** Alternate key for /entity/{name}: 'name', 'username', 'target'. */
  endpointKey?: string;
  fields: Record<string, Field>;
  /** Parents this entity is nested under in the Admin API. */
  parents?: string[];
}

const id: Field = { type: 'string', auto: 'uuid' };
const ts: Field = { type: 'integer', auto: 'timestamp' };
const tags: Field = { type: 'set', elements: 'tag' };
const name: Field = { type: 'string', unique: true, elements: 'utf8_name' };
const timeout: Field = { type: 'integer', default: 60000, between: [1, 2147483646] };
// Kong's healthchecks defaults (upstreams.lua): probing and circuit breaking off until configured.
const HEALTHCHECKS_DEFAULT = {
  active: {
    type: 'http', timeout: 1, concurrency: 10, http_path: '/', https_sni: null, https_verify_certificate: true, headers: null,
    healthy: { interval: 0, http_statuses: [200, 302], successes: 0 },
    unhealthy: { interval: 0, http_statuses: [429, 404, 500, 501, 502, 503, 504, 505], tcp_failures: 0, timeouts: 0, http_failures: 0 },
  },
  passive: {
    type: 'http',
    healthy: { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 0 },
    unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 },
  },
  threshold: 0,
};

import { CREDENTIAL_ENTITIES, CREDENTIAL_SCHEMAS } from './credentials.js';
import { TLS_SCHEMAS } from './tls-entities.js';

// constants.PROTOCOLS of the open-source edition: ws and wss are Enterprise-only.
export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'] as const;

export const SCHEMAS: Record<string, EntitySchema> = {
  services: {
    name: 'services',
    endpointKey: 'name',
    fields: {
      id, created_at: ts, updated_at: ts,
      name,
      retries: { type: 'integer', default: 5, between: [0, 32767] },
      protocol: { type: 'string', required: true, default: 'http', oneOf: PROTOCOLS },
      host: { type: 'string', required: true, elements: 'host' },
      port: { type: 'integer', required: true, default: 80, between: [0, 65535] },
      path: { type: 'string', startsWith: '/' },
      connect_timeout: timeout, write_timeout: timeout, read_timeout: timeout,
      tags,
      client_certificate: { type: 'foreign', reference: 'certificates' },
      tls_verify: { type: 'boolean' },
      tls_verify_depth: { type: 'integer', between: [0, 64] },
      ca_certificates: { type: 'array', elements: 'uuid' },
      enabled: { type: 'boolean', required: true, default: true },
    },
  },
  routes: {
    name: 'routes',
    endpointKey: 'name',
    parents: ['services'],
    fields: {
      id, created_at: ts, updated_at: ts,
      name,
      protocols: { type: 'set', required: true, default: ['http', 'https'], elements: 'protocol' },
      methods: { type: 'set', elements: 'method' },
      hosts: { type: 'array', elements: 'route_host' },
      paths: { type: 'array', elements: 'path' },
      headers: { type: 'map', map: 'headers' },
      https_redirect_status_code: { type: 'integer', required: true, default: 426, oneOf: ['426', '301', '302', '307', '308'] },
      regex_priority: { type: 'integer', default: 0 },
      strip_path: { type: 'boolean', required: true, default: true },
      path_handling: { type: 'string', default: 'v0', oneOf: ['v0', 'v1'] },
      preserve_host: { type: 'boolean', required: true, default: false },
      request_buffering: { type: 'boolean', required: true, default: true },
      response_buffering: { type: 'boolean', required: true, default: true },
      snis: { type: 'set', elements: 'wildcard_host' },
      sources: { type: 'set', elements: 'ip_port' },
      destinations: { type: 'set', elements: 'ip_port' },
      tags,
      service: { type: 'foreign', reference: 'services' },
    },
  },
  upstreams: {
    name: 'upstreams',
    endpointKey: 'name',
    fields: {
      id, created_at: ts, updated_at: ts,
      name: { type: 'string', required: true, unique: true, elements: 'upstream_name' },
      algorithm: { type: 'string', default: 'round-robin', oneOf: ['consistent-hashing', 'least-connections', 'round-robin', 'latency'] },
      hash_on: { type: 'string', default: 'none', oneOf: ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'] },
      hash_fallback: { type: 'string', default: 'none', oneOf: ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'] },
      hash_on_header: { type: 'string' },
      hash_fallback_header: { type: 'string' },
      hash_on_cookie: { type: 'string' },
      hash_on_cookie_path: { type: 'string', default: '/' },
      hash_on_query_arg: { type: 'string' },
      hash_fallback_query_arg: { type: 'string' },
      hash_on_uri_capture: { type: 'string' },
      hash_fallback_uri_capture: { type: 'string' },
      slots: { type: 'integer', default: 10000, between: [10, 65536] },
      healthchecks: { type: 'record', default: HEALTHCHECKS_DEFAULT },
      tags,
      host_header: { type: 'string', elements: 'host_with_port' },
      client_certificate: { type: 'foreign', reference: 'certificates' },
      use_srv_name: { type: 'boolean', default: false },
    },
  },
  targets: {
    name: 'targets',
    endpointKey: 'target',
    parents: ['upstreams'],
    fields: {
      id, created_at: { type: 'number', auto: 'timestamp' }, updated_at: { type: 'number', auto: 'timestamp' },
      upstream: { type: 'foreign', reference: 'upstreams', required: true },
      target: { type: 'string', required: true, elements: 'target' },
      weight: { type: 'integer', default: 100, between: [0, 65535] },
      tags,
    },
  },
  consumers: {
    name: 'consumers',
    endpointKey: 'username',
    fields: {
      id, created_at: ts, updated_at: ts,
      username: { type: 'string', unique: true },
      custom_id: { type: 'string', unique: true },
      tags,
    },
  },
  plugins: {
    name: 'plugins',
    endpointKey: 'instance_name',
    parents: ['services', 'routes', 'consumers'],
    fields: {
      id, created_at: ts, updated_at: ts,
      name: { type: 'string', required: true },
      instance_name: { ...name },
      config: { type: 'record', default: {} },
      enabled: { type: 'boolean', required: true, default: true },
      protocols: { type: 'set', required: true, default: ['grpc', 'grpcs', 'http', 'https'], elements: 'protocol' },
      route: { type: 'foreign', reference: 'routes' },
      service: { type: 'foreign', reference: 'services' },
      consumer: { type: 'foreign', reference: 'consumers' },
      tags,
    },
  },
  ...CREDENTIAL_SCHEMAS,
  ...TLS_SCHEMAS,
};

/** The order entities are exported and imported in: referenced before referencing. */
// Certificates first: services and upstreams reference them (client_certificate).
export const ENTITY_ORDER = ['certificates', 'snis', 'ca_certificates', 'services', 'routes', 'upstreams', 'targets', 'consumers', 'plugins', ...CREDENTIAL_ENTITIES] as const;
export type EntityName = (typeof ENTITY_ORDER)[number];

export const isEntity = (name: string): name is EntityName => (ENTITY_ORDER as readonly string[]).includes(name);
