// A plugin's config schema as data, in Kong's vocabulary (kong/db/schema): typed fields with
// defaults and constraints, nested records, arrays with element schemas.
export type ConfigType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'set' | 'map' | 'record';

export interface ConfigField {
  type: ConfigType;
  required?: boolean;
  default?: unknown;
  one_of?: readonly (string | number)[];
  between?: readonly [number, number];
  gt?: number;
  len_min?: number;
  len_max?: number;
  /** Lua-pattern-free regex the value must match (strings). */
  match?: RegExp;
  /** Kong's message when `match` fails. */
  matchMessage?: string;
  /** A custom check (Kong's custom_validator / typedefs): a message, or null when fine. */
  check?: (value: never) => string | null;
  elements?: ConfigField;
  keys?: ConfigField;
  values?: ConfigField;
  /** Record fields in order, as Kong lists them. */
  fields?: readonly (readonly [string, ConfigField])[];
  /** Secrets: never logged; shown to operators as in Kong. */
  encrypted?: boolean;
  referenceable?: boolean;
  description?: string;
}

/**
 * Checks across fields of the config record, with Kong's messages: a string is reported on
 * `config` itself (Kong's custom_validator), `field` on that config field (conditional checks),
 * `entity` on the plugin entity's @entity (Kong's entity_checks such as at_least_one_of).
 */
export type EntityCheck = (config: Record<string, unknown>) => string | { field: string; message: string } | { entity: string } | null;

export interface PluginSchema {
  /** The `config` record's fields. */
  fields: readonly (readonly [string, ConfigField])[];
  entityChecks?: readonly EntityCheck[];
  /** Kong's typedefs.no_consumer / no_route / no_service. */
  noConsumer?: boolean;
  noRoute?: boolean;
  noService?: boolean;
  /** Kong's protocols default for this plugin (typedefs.protocols_http and friends). */
  protocols?: readonly string[];
}

// Small builders so schemas read like Kong's schema.lua files.
export const str = (o: Omit<ConfigField, 'type'> = {}): ConfigField => ({ type: 'string', ...o });
export const int = (o: Omit<ConfigField, 'type'> = {}): ConfigField => ({ type: 'integer', ...o });
export const num = (o: Omit<ConfigField, 'type'> = {}): ConfigField => ({ type: 'number', ...o });
export const bool = (o: Omit<ConfigField, 'type'> = {}): ConfigField => ({ type: 'boolean', ...o });
export const arr = (elements: ConfigField, o: Omit<ConfigField, 'type' | 'elements'> = {}): ConfigField => ({ type: 'array', elements, ...o });
export const set = (elements: ConfigField, o: Omit<ConfigField, 'type' | 'elements'> = {}): ConfigField => ({ type: 'set', elements, ...o });
export const map = (keys: ConfigField, values: ConfigField, o: Omit<ConfigField, 'type' | 'keys' | 'values'> = {}): ConfigField => ({ type: 'map', keys, values, ...o });
export const record = (fields: readonly (readonly [string, ConfigField])[], o: Omit<ConfigField, 'type' | 'fields'> = {}): ConfigField => ({ type: 'record', fields, ...o });

/** Kong's typedefs.header_name. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
