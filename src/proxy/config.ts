// The slice of a `config_table` (Kong's declarative export, as the CP pushes it) the proxy reads.
// Foreign keys arrive flattened to id strings and unset fields as null (Kong: declarative/export.lua).

export type Ref = string | { id: string } | null | undefined;

export interface RouteRow {
  id: string;
  name?: string | null;
  protocols?: string[] | null;
  methods?: string[] | null;
  hosts?: string[] | null;
  paths?: string[] | null;
  headers?: Record<string, string[]> | null;
  snis?: string[] | null;
  regex_priority?: number | null;
  strip_path?: boolean | null;
  preserve_host?: boolean | null;
  https_redirect_status_code?: number | null;
  service?: Ref;
}

export interface ServiceRow {
  id: string;
  name?: string | null;
  protocol?: string | null;
  host?: string | null;
  port?: number | null;
  path?: string | null;
  retries?: number | null;
  connect_timeout?: number | null;
  read_timeout?: number | null;
  write_timeout?: number | null;
  enabled?: boolean | null;
  tls_verify?: boolean | null;
  tls_verify_depth?: number | null;
  client_certificate?: Ref;
  ca_certificates?: string[] | null;
}

export interface UpstreamRow {
  id: string;
  name: string;
  host_header?: string | null;
  client_certificate?: Ref;
}

export interface TargetRow {
  id?: string;
  upstream: Ref;
  target: string;
  weight?: number | null;
}

export interface PluginRow {
  id?: string;
  name: string;
  enabled?: boolean | null;
  config?: Record<string, unknown> | null;
  protocols?: string[] | null;
  route?: Ref;
  service?: Ref;
  consumer?: Ref;
}

export interface ConfigTable {
  _format_version?: string;
  services?: ServiceRow[] | null;
  routes?: RouteRow[] | null;
  upstreams?: UpstreamRow[] | null;
  targets?: TargetRow[] | null;
  plugins?: PluginRow[] | null;
  [entity: string]: unknown;
}

export const refId = (ref: Ref): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : typeof ref.id === 'string' ? ref.id : null;

export const list = <T>(v: T[] | null | undefined): T[] => (Array.isArray(v) ? v : []);
