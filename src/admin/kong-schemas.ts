// GET /schemas/{entity}: Kong 3.10's entity schemas as its Admin API serializes them
// (api_helpers.schema_to_jsonable): fields as an ordered list of one-key objects, records made
// required by Entity.new, foreign schemas stripped, validator functions dropped. Transcribed from
// kong/db/schema/entities/*.lua, typedefs.lua and the plugins' daos.lua. Descriptions are left out:
// they are Kong's prose, and no client (decK, go-kong) reads them.
type J = Record<string, unknown>;

// constants.PROTOCOLS in the open-source edition: no ws/wss.
const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'];
const HTTP_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'];

const uuid = (): J => ({ type: 'string', uuid: true, auto: true });
const tsS = (): J => ({ type: 'integer', timestamp: true, auto: true });
const tsMs = (): J => ({ type: 'number', timestamp: true, auto: true });
const utf8Name = (): J => ({ type: 'string', unique: true });
const tags = (): J => ({ type: 'set', elements: { type: 'string', required: true } });
const protocol = (extra: J = {}): J => ({ type: 'string', one_of: PROTOCOLS, ...extra });
const port = (extra: J = {}): J => ({ type: 'integer', between: [0, 65535], ...extra });
const path = (extra: J = {}): J => ({ type: 'string', starts_with: '/', match_none: [{ pattern: '//', err: 'must not have empty segments' }], ...extra });
const headerName = (): J => ({ type: 'string' });
const headers = (keys: J = headerName()): J => ({ type: 'map', keys, values: { type: 'array', elements: { type: 'string' } } });
const ipPort = (): J => ({
  type: 'set',
  elements: { type: 'record', required: true, fields: [{ ip: { type: 'string' } }, { port: port() }], entity_checks: [{ at_least_one_of: ['ip', 'port'] }] },
});
const foreign = (reference: string, extra: J = {}): J => ({ type: 'foreign', reference, ...extra });
const timeout = (): J => ({ type: 'integer', between: [1, 2 ** 31 - 2], default: 60000 });
const notHttps = (field: string): J => ({ conditional: { if_field: 'protocol', if_match: { not_one_of: ['https', 'tls'] }, then_field: field, then_match: { eq: null } } });

const services: J = {
  fields: [
    { id: uuid() }, { created_at: tsS() }, { updated_at: tsS() },
    { name: utf8Name() },
    { retries: { type: 'integer', default: 5, between: [0, 32767] } },
    { protocol: protocol({ required: true, default: 'http' }) },
    { host: { type: 'string', required: true } },
    { port: port({ required: true, default: 80 }) },
    { path: path() },
    { connect_timeout: timeout() }, { write_timeout: timeout() }, { read_timeout: timeout() },
    { tags: tags() },
    { client_certificate: foreign('certificates') },
    { tls_verify: { type: 'boolean' } },
    { tls_verify_depth: { type: 'integer', default: null, between: [0, 64] } },
    { ca_certificates: { type: 'array', elements: { type: 'string', uuid: true } } },
    { enabled: { type: 'boolean', required: true, default: true } },
  ],
  entity_checks: [
    { conditional: { if_field: 'protocol', if_match: { one_of: ['tcp', 'tls', 'udp', 'grpc', 'grpcs'] }, then_field: 'path', then_match: { eq: null } } },
    notHttps('client_certificate'), notHttps('tls_verify'), notHttps('tls_verify_depth'), notHttps('ca_certificates'),
  ],
};

const ROUTE_MATCH_FIELDS = ['snis', 'sources', 'destinations', 'methods', 'hosts', 'paths', 'headers'];
const routes: J = {
  fields: [
    { id: uuid() }, { created_at: tsS() }, { updated_at: tsS() },
    { name: utf8Name() },
    {
      protocols: {
        type: 'set', len_min: 1, required: true, elements: protocol(), default: ['http', 'https'],
        mutually_exclusive_subsets: [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs']],
      },
    },
    { https_redirect_status_code: { type: 'integer', one_of: [426, 301, 302, 307, 308], default: 426, required: true } },
    { strip_path: { type: 'boolean', required: true, default: true } },
    { preserve_host: { type: 'boolean', required: true, default: false } },
    { request_buffering: { type: 'boolean', required: true, default: true } },
    { response_buffering: { type: 'boolean', required: true, default: true } },
    { tags: tags() },
    { service: foreign('services') },
    // router_flavor traditional_compatible (Kong's default): snis are wildcard hosts.
    { snis: { type: 'set', elements: { type: 'string' } } },
    { sources: ipPort() },
    { destinations: ipPort() },
    { methods: { type: 'set', elements: { type: 'string', match: '^%u+$' } } },
    {
      hosts: {
        type: 'array',
        elements: {
          type: 'string',
          match_all: [{ pattern: '^[^*]*%*?[^*]*$', err: 'invalid wildcard: must have at most one wildcard' }],
          match_any: { patterns: ['^%*%.', '%.%*$', '^[^*]*$'], err: 'invalid wildcard: must be placed at leftmost or rightmost label' },
        },
      },
    },
    {
      paths: {
        type: 'array',
        elements: {
          type: 'string',
          match_any: { patterns: ['^/', '^~/'], err: 'should start with: / (fixed path) or ~/ (regex path)' },
          match_none: [{ pattern: '//', err: 'must not have empty segments' }],
        },
      },
    },
    { headers: headers({ type: 'string', match_none: [{ pattern: '^[Hh][Oo][Ss][Tt]$', err: "cannot contain 'host' header, which must be specified in the 'hosts' attribute" }] }) },
    { regex_priority: { type: 'integer', default: 0 } },
    { path_handling: { type: 'string', default: 'v0', one_of: ['v0', 'v1'] } },
  ],
  entity_checks: [
    {
      conditional: {
        if_field: 'protocols',
        if_match: { elements: { type: 'string', not_one_of: ['grpcs', 'https', 'tls', 'tls_passthrough'] } },
        then_field: 'snis', then_match: { len_eq: 0 },
        then_err: "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'",
      },
    },
    { custom_entity_check: { field_sources: ['path_handling'] } },
    { custom_entity_check: { field_sources: ['id', 'protocols', ...ROUTE_MATCH_FIELDS, 'expression', 'regex_priority', 'priority'], run_with_missing_fields: true } },
  ],
};

// upstreams.lua builds healthchecks from its defaults table; records are required (Entity.new).
const seconds = (d: number): J => ({ type: 'number', between: [0, 65535], default: d });
const byteInt = (d: number): J => ({ type: 'integer', between: [0, 255], default: d });
const statuses = (d: number[]): J => ({ type: 'array', elements: { type: 'integer', between: [100, 999] }, default: d });
const checkType = (): J => ({ type: 'string', one_of: ['tcp', 'http', 'https', 'grpc', 'grpcs'], default: 'http' });
const record = (fields: J[], def: unknown): J => ({ type: 'record', required: true, fields, default: def });
const ACTIVE_HEALTHY = { interval: 0, http_statuses: [200, 302], successes: 0 };
const ACTIVE_UNHEALTHY = { interval: 0, http_statuses: [429, 404, 500, 501, 502, 503, 504, 505], tcp_failures: 0, timeouts: 0, http_failures: 0 };
const PASSIVE_HEALTHY = { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 0 };
const PASSIVE_UNHEALTHY = { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 };
const ACTIVE = { type: 'http', timeout: 1, concurrency: 10, http_path: '/', https_verify_certificate: true, healthy: ACTIVE_HEALTHY, unhealthy: ACTIVE_UNHEALTHY };
const PASSIVE = { type: 'http', healthy: PASSIVE_HEALTHY, unhealthy: PASSIVE_UNHEALTHY };
const unhealthyFields = (d: typeof ACTIVE_UNHEALTHY | typeof PASSIVE_UNHEALTHY, active: boolean): J[] => [
  ...(active ? [{ interval: seconds(0) }] : []),
  { http_statuses: statuses(d.http_statuses) }, { tcp_failures: byteInt(0) }, { timeouts: byteInt(0) }, { http_failures: byteInt(0) },
];
const healthchecks = record(
  [
    {
      active: record(
        [
          { type: checkType() }, { timeout: seconds(1) }, { concurrency: { type: 'integer', between: [1, 2 ** 31], default: 10 } },
          { http_path: path({ default: '/' }) }, { https_sni: { type: 'string', required: false } },
          { https_verify_certificate: { type: 'boolean', default: true, required: true } },
          { headers: { ...headers(), required: false } },
          { healthy: record([{ interval: seconds(0) }, { http_statuses: statuses(ACTIVE_HEALTHY.http_statuses) }, { successes: byteInt(0) }], ACTIVE_HEALTHY) },
          { unhealthy: record(unhealthyFields(ACTIVE_UNHEALTHY, true), ACTIVE_UNHEALTHY) },
        ],
        ACTIVE,
      ),
    },
    {
      passive: record(
        [
          { type: checkType() },
          { healthy: record([{ http_statuses: statuses(PASSIVE_HEALTHY.http_statuses) }, { successes: byteInt(0) }], PASSIVE_HEALTHY) },
          { unhealthy: record(unhealthyFields(PASSIVE_UNHEALTHY, false), PASSIVE_UNHEALTHY) },
        ],
        PASSIVE,
      ),
    },
    { threshold: { type: 'number', default: 0, between: [0, 100] } },
  ],
  { active: ACTIVE, passive: PASSIVE },
);

const HASH_ON = ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'];
const hashOn = (): J => ({ type: 'string', default: 'none', one_of: HASH_ON });
const simple = (): J => ({ type: 'string', len_min: 1 });
const cond = (ifField: string, match: string, thenField: string, thenMatch: J): J => ({ conditional: { if_field: ifField, if_match: { match }, then_field: thenField, then_match: thenMatch } });
const fallbackNot = (on: string): string[] => ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'].filter((x) => x !== on);
const upstreams: J = {
  fields: [
    { id: uuid() }, { created_at: tsS() },
    { name: { type: 'string', required: true, unique: true } },
    { updated_at: tsS() },
    { algorithm: { type: 'string', default: 'round-robin', one_of: ['consistent-hashing', 'least-connections', 'round-robin', 'latency'] } },
    { hash_on: hashOn() }, { hash_fallback: hashOn() },
    { hash_on_header: headerName() }, { hash_fallback_header: headerName() },
    { hash_on_cookie: { type: 'string' } },
    { hash_on_cookie_path: path({ default: '/' }) },
    { hash_on_query_arg: simple() }, { hash_fallback_query_arg: simple() },
    { hash_on_uri_capture: simple() }, { hash_fallback_uri_capture: simple() },
    { slots: { type: 'integer', default: 10000, between: [10, 65536] } },
    { healthchecks },
    { tags: tags() },
    { host_header: { type: 'string' } },
    { client_certificate: foreign('certificates') },
    { use_srv_name: { type: 'boolean', default: false } },
  ],
  entity_checks: [
    cond('hash_on', '^header$', 'hash_on_header', { required: true }),
    cond('hash_fallback', '^header$', 'hash_fallback_header', { required: true }),
    cond('hash_on', '^cookie$', 'hash_on_cookie', { required: true }),
    cond('hash_fallback', '^cookie$', 'hash_on_cookie', { required: true }),
    cond('hash_on', '^none$', 'hash_fallback', { one_of: ['none'] }),
    cond('hash_on', '^cookie$', 'hash_fallback', { one_of: ['none'] }),
    cond('hash_on', '^consumer$', 'hash_fallback', { one_of: fallbackNot('consumer') }),
    cond('hash_on', '^ip$', 'hash_fallback', { one_of: fallbackNot('ip') }),
    cond('hash_on', '^path$', 'hash_fallback', { one_of: ['none', 'consumer', 'header', 'cookie', 'query_arg', 'ip', 'uri_capture'] }),
    { distinct: ['hash_on_header', 'hash_fallback_header'] },
    cond('hash_on', '^query_arg$', 'hash_on_query_arg', { required: true }),
    cond('hash_fallback', '^query_arg$', 'hash_fallback_query_arg', { required: true }),
    { distinct: ['hash_on_query_arg', 'hash_fallback_query_arg'] },
    cond('hash_on', '^uri_capture$', 'hash_on_uri_capture', { required: true }),
    cond('hash_fallback', '^uri_capture$', 'hash_fallback_uri_capture', { required: true }),
    { distinct: ['hash_on_uri_capture', 'hash_fallback_uri_capture'] },
  ],
};

const targets: J = {
  fields: [
    { id: uuid() }, { created_at: tsMs() }, { updated_at: tsMs() },
    { upstream: foreign('upstreams', { required: true, on_delete: 'cascade' }) },
    { target: { type: 'string', required: true } },
    { weight: { type: 'integer', default: 100, between: [0, 65535] } },
    { tags: tags() },
  ],
  entity_checks: [],
};

const consumers: J = {
  fields: [
    { id: uuid() }, { created_at: tsS() }, { updated_at: tsS() },
    { username: { type: 'string', unique: true } },
    { custom_id: { type: 'string', unique: true } },
    { tags: tags() },
  ],
  entity_checks: [{ at_least_one_of: ['custom_id', 'username'] }],
};

const plugins: J = {
  fields: [
    { id: uuid() },
    { name: { type: 'string', required: true } },
    { instance_name: utf8Name() },
    { created_at: tsS() }, { updated_at: tsS() },
    { route: foreign('routes', { default: null, on_delete: 'cascade' }) },
    { service: foreign('services', { default: null, on_delete: 'cascade' }) },
    { consumer: foreign('consumers', { default: null, on_delete: 'cascade' }) },
    { config: { type: 'record', abstract: true } },
    { protocols: { type: 'set', required: true, default: HTTP_PROTOCOLS, elements: protocol() } },
    { enabled: { type: 'boolean', required: true, default: true } },
    { tags: tags() },
  ],
  entity_checks: [],
};

const owner = (): J[] => [{ id: uuid() }, { created_at: tsS() }, { consumer: foreign('consumers', { required: true, on_delete: 'cascade' }) }];
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
const credentials: Record<string, J> = {
  keyauth_credentials: { fields: [...owner(), { key: { type: 'string', required: false, unique: true, auto: true } }, { tags: tags() }], entity_checks: [] },
  basicauth_credentials: {
    fields: [...owner(), { username: { type: 'string', required: true, unique: true } }, { password: { type: 'string', required: true, encrypted: true } }, { tags: tags() }],
    entity_checks: [],
  },
  hmacauth_credentials: { fields: [...owner(), { username: { type: 'string', required: true, unique: true } }, { secret: { type: 'string', auto: true } }, { tags: tags() }], entity_checks: [] },
  jwt_secrets: {
    fields: [
      ...owner(),
      { key: { type: 'string', required: false, unique: true, auto: true } },
      { secret: { type: 'string', auto: true } },
      { rsa_public_key: { type: 'string' } },
      { algorithm: { type: 'string', default: 'HS256', one_of: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] } },
      { tags: tags() },
    ],
    entity_checks: [
      { conditional: { if_field: 'algorithm', if_match: { match_any: { patterns: RSA_ALGORITHMS.map((a) => `^${a}$`) } }, then_field: 'rsa_public_key', then_match: { required: true } } },
    ],
  },
  acls: { fields: [...owner(), { group: { type: 'string', required: true } }, { tags: tags() }], entity_checks: [] },
};

// certificates.lua, snis.lua, ca_certificates.lua: the PEM checks are custom validators (functions,
// dropped); wildcard_host keeps only its type.
const pemCheck = (fieldSources: string[]): J => ({ custom_entity_check: { field_sources: fieldSources } });
const tls: Record<string, J> = {
  certificates: {
    fields: [
      { id: uuid() }, { created_at: tsS() }, { updated_at: tsS() },
      { cert: { type: 'string', required: true, referenceable: true } },
      { key: { type: 'string', required: true, referenceable: true, encrypted: true } },
      { cert_alt: { type: 'string', required: false, referenceable: true } },
      { key_alt: { type: 'string', required: false, referenceable: true, encrypted: true } },
      { tags: tags() },
      { snis: { type: 'array', elements: { type: 'string' }, required: false, transient: true } },
    ],
    entity_checks: [{ mutually_required: ['cert_alt', 'key_alt'] }, pemCheck(['cert', 'key']), pemCheck(['cert_alt', 'key_alt']), pemCheck(['cert', 'cert_alt'])],
  },
  snis: {
    fields: [
      { id: uuid() },
      { name: { type: 'string', required: true, unique: true, unique_across_ws: true } },
      { created_at: tsS() }, { updated_at: tsS() },
      { tags: tags() },
      { certificate: foreign('certificates', { required: true }) },
    ],
    entity_checks: [],
  },
  ca_certificates: {
    fields: [
      { id: uuid() }, { created_at: tsS() }, { updated_at: tsS() },
      { cert: { type: 'string', required: true } },
      { cert_digest: { type: 'string', unique: true } },
      { tags: tags() },
    ],
    entity_checks: [pemCheck(['cert'])],
  },
};

const ENTITY_SCHEMAS: Record<string, J> = { services, routes, upstreams, targets, consumers, plugins, ...credentials, ...tls };

/** Kong's JSON for GET /schemas/{name}, or null for an entity Kong does not have. */
export function kongEntitySchema(name: string): J | null {
  return Object.hasOwn(ENTITY_SCHEMAS, name) ? structuredClone(ENTITY_SCHEMAS[name]!) : null;
}
