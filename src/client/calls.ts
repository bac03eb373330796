// decK's Admin API calls as data, transcribed from go-database-reconciler (GDR, Kong/go-database-reconciler
// 8f5e476d) and go-kong (Kong/go-kong dae27d25). The replay in ./replay.ts issues exactly these, in
// this order, so a test can assert the sequence and every status the CP answers with.

/** The kinds decK's state holds, by the name its dependency order uses (GDR pkg/diff/order.go). */
export type Kind =
  | 'certificates' | 'consumers' | 'snis' | 'services' | 'upstreams'
  | 'keyauth_credentials' | 'basicauth_credentials' | 'hmacauth_credentials' | 'jwt_secrets' | 'acls'
  | 'routes' | 'targets' | 'plugins';

/**
 * GDR pkg/diff/order.go dependencyOrder, reduced to the kinds Kong OSS has: creates and updates run
 * level by level, kind by kind; deletes run the same list reversed.
 */
export const DEPENDENCY_ORDER: Kind[][] = [
  ['certificates', 'consumers'],
  ['snis', 'services', 'upstreams', 'keyauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'basicauth_credentials', 'acls'],
  ['routes', 'targets'],
  ['plugins'],
];

/** One collection decK lists, and the statuses that mean "not supported" rather than failure. */
export interface ListCall {
  kind: Kind | 'filter_chains' | 'ca_certificates' | 'vaults' | 'partials' | 'keys' | 'key_sets' | 'consumer_groups' | 'oauth2_credentials' | 'mtls_auth_credentials';
  path: string;
  /** Statuses GDR reads as "none here" (IsNotFoundErr, IsForbiddenErr, or the filter-chain 400). */
  tolerated: number[];
  /** decK lists mTLS credentials without the select tags. */
  untagged?: boolean;
  source: string;
}

/**
 * GDR pkg/dump/dump.go Get: getProxyConfiguration, then getConsumerGroupsConfiguration, then
 * getConsumerConfiguration. decK runs them in goroutines; the replay runs them in source order.
 */
export const DUMP_LISTS: ListCall[] = [
  { kind: 'services', path: '/services', tolerated: [], source: 'pkg/dump/dump.go GetAllServices' },
  { kind: 'routes', path: '/routes', tolerated: [], source: 'pkg/dump/dump.go GetAllRoutes' },
  { kind: 'plugins', path: '/plugins', tolerated: [], source: 'pkg/dump/dump.go GetAllPlugins' },
  { kind: 'filter_chains', path: '/filter-chains', tolerated: [404, 400], source: 'pkg/dump/dump.go getProxyConfiguration (filter chains: 404 or 400)' },
  { kind: 'certificates', path: '/certificates', tolerated: [], source: 'pkg/dump/dump.go GetAllCertificates' },
  { kind: 'ca_certificates', path: '/ca_certificates', tolerated: [404], source: 'pkg/dump/dump.go GetAllCACertificates' },
  { kind: 'snis', path: '/snis', tolerated: [], source: 'pkg/dump/dump.go GetAllSNIs' },
  { kind: 'upstreams', path: '/upstreams', tolerated: [], source: 'pkg/dump/dump.go GetAllUpstreams' },
  // Then, for each upstream listed: GET /upstreams/{id}/targets (GetAllTargets).
  { kind: 'vaults', path: '/vaults', tolerated: [404, 403], source: 'pkg/dump/dump.go GetAllVaults' },
  { kind: 'partials', path: '/partials', tolerated: [404, 403], source: 'pkg/dump/dump.go GetAllPartials' },
  { kind: 'keys', path: '/keys', tolerated: [404, 403], source: 'pkg/dump/dump.go GetAllKeys' },
  { kind: 'key_sets', path: '/key-sets', tolerated: [404, 403], source: 'pkg/dump/dump.go GetAllKeySets' },
  // Preceded by GET / (isKongVersion34Plus).
  { kind: 'consumer_groups', path: '/consumer_groups', tolerated: [404, 403], source: 'pkg/dump/dump.go getConsumerGroupsConfiguration' },
  { kind: 'consumers', path: '/consumers', tolerated: [], source: 'pkg/dump/dump.go GetAllConsumers' },
  { kind: 'keyauth_credentials', path: '/key-auths', tolerated: [404], source: 'pkg/dump/dump.go GetAllKeyAuths; go-kong kong/key_auth_service.go List' },
  { kind: 'hmacauth_credentials', path: '/hmac-auths', tolerated: [404], source: 'pkg/dump/dump.go GetAllHMACAuths' },
  { kind: 'jwt_secrets', path: '/jwts', tolerated: [404], source: 'pkg/dump/dump.go GetAllJWTAuths' },
  { kind: 'basicauth_credentials', path: '/basic-auths', tolerated: [404], source: 'pkg/dump/dump.go GetAllBasicAuths' },
  { kind: 'oauth2_credentials', path: '/oauth2', tolerated: [404], source: 'pkg/dump/dump.go GetAllOauth2Creds; go-kong kong/oauth2_auth_service.go List' },
  { kind: 'acls', path: '/acls', tolerated: [404], source: 'pkg/dump/dump.go GetAllACLGroups' },
  { kind: 'mtls_auth_credentials', path: '/mtls-auths', tolerated: [404], untagged: true, source: 'pkg/dump/dump.go GetAllMTLSAuths (no select tags)' },
];

/** GDR pkg/dump/dump.go newOpt: every list asks for pages of 1000, select tags joined with `,` (all of them). */
export const DUMP_PAGE_SIZE = 1000;

/**
 * GDR pkg/utils/defaulter.go getKongDefaulterWithClient via pkg/schema/fetchers.go FetchEntitySchema:
 * a 404 means "no schema" (consumer_group_plugins is Enterprise), anything else must be 200.
 */
export const DEFAULTER_SCHEMAS = ['services', 'routes', 'upstreams', 'targets', 'consumer_group_plugins'];

/** Credentials under their consumer: go-kong kong/credentials_service.go credPath. */
export const CREDENTIAL_PATH: Partial<Record<Kind, string>> = {
  keyauth_credentials: 'key-auth',
  basicauth_credentials: 'basic-auth',
  hmacauth_credentials: 'hmac-auth',
  jwt_secrets: 'jwt',
  acls: 'acls',
};

/**
 * The fields of go-kong's structs (kong/service.go, route.go, upstream.go, target.go, consumer.go,
 * plugin.go, certificate.go, sni.go, credentials.go): decK decodes GET answers into them, so a
 * field outside the list never reaches its diff, and one inside it must round-trip.
 */
export const GO_KONG_FIELDS: Record<Kind, string[]> = {
  services: ['client_certificate', 'connect_timeout', 'created_at', 'enabled', 'host', 'id', 'name', 'path', 'port', 'protocol', 'read_timeout', 'retries', 'updated_at', 'url', 'write_timeout', 'tags', 'tls_sans', 'tls_verify', 'tls_verify_depth', 'ca_certificates'],
  routes: ['created_at', 'expression', 'hosts', 'headers', 'id', 'name', 'methods', 'paths', 'path_handling', 'preserve_host', 'priority', 'protocols', 'regex_priority', 'service', 'strip_path', 'updated_at', 'snis', 'sources', 'destinations', 'tags', 'https_redirect_status_code', 'request_buffering', 'response_buffering'],
  upstreams: ['id', 'name', 'host_header', 'client_certificate', 'algorithm', 'slots', 'healthchecks', 'created_at', 'hash_on', 'hash_fallback', 'hash_on_header', 'hash_fallback_header', 'hash_on_cookie', 'hash_on_cookie_path', 'hash_on_query_arg', 'hash_fallback_query_arg', 'hash_on_uri_capture', 'hash_fallback_uri_capture', 'use_srv_name', 'sticky_sessions_cookie', 'sticky_sessions_cookie_path', 'tags'],
  targets: ['created_at', 'id', 'target', 'upstream', 'weight', 'tags', 'failover'],
  consumers: ['id', 'custom_id', 'username', 'created_at', 'tags'],
  plugins: ['created_at', 'id', 'name', 'instance_name', 'route', 'service', 'consumer', 'consumer_group', 'config', 'enabled', 'run_on', 'condition', 'ordering', 'protocols', 'tags', 'partials'],
  certificates: ['id', 'cert', 'cert_alt', 'key', 'key_alt', 'created_at', 'snis', 'tags'],
  snis: ['id', 'name', 'created_at', 'certificate', 'tags'],
  keyauth_credentials: ['consumer', 'created_at', 'id', 'key', 'ttl', 'tags'],
  basicauth_credentials: ['consumer', 'created_at', 'id', 'username', 'password', 'tags'],
  hmacauth_credentials: ['consumer', 'created_at', 'id', 'username', 'secret', 'tags'],
  jwt_secrets: ['consumer', 'created_at', 'id', 'algorithm', 'key', 'rsa_public_key', 'secret', 'tags'],
  acls: ['consumer', 'created_at', 'id', 'group', 'tags'],
};

/** Foreign keys: go-kong decodes `{"id": …}` into the referenced struct, of which decK keeps the id. */
export const FOREIGN: Partial<Record<Kind, string[]>> = {
  services: ['client_certificate'],
  routes: ['service'],
  upstreams: ['client_certificate'],
  targets: ['upstream'],
  plugins: ['route', 'service', 'consumer', 'consumer_group'],
  snis: ['certificate'],
  keyauth_credentials: ['consumer'], basicauth_credentials: ['consumer'], hmacauth_credentials: ['consumer'], jwt_secrets: ['consumer'], acls: ['consumer'],
};

type Row = Record<string, unknown>;
const ref = (r: Row, f: string) => (r[f] as { id: string }).id;

/**
 * Where a create or an update goes. decK gives every entity an id, so go-kong's Create is a PUT to
 * the entity's own path (kong/service_service.go Create: "PUT when ID is set"); Update in GDR's
 * pkg/types/*.go calls the same Create, except targets (kong/target_service.go Update, also a PUT).
 */
export function writePath(kind: Kind, r: Row): string {
  const cred = CREDENTIAL_PATH[kind];
  if (cred) return `/consumers/${ref(r, 'consumer')}/${cred}/${String(r.id)}`;
  if (kind === 'targets') return `/upstreams/${ref(r, 'upstream')}/targets/${String(r.id)}`;
  return `/${kind}/${String(r.id)}`;
}

/** go-kong's Delete paths: the same, under the owner for credentials and targets. */
export const deletePath = writePath;
