// A node's enabled plugins as the entity layer and the Admin API use them: plugin rows checked the
// way Kong's plugins entity checks them (name enabled, scope allowed, config per the plugin's own
// schema with defaults filled in), schemas rendered in Kong's format.
import type { FieldErrors, PluginCatalogue, Row } from '../entities/index.js';
import type { PluginModule } from './types.js';
import { notEnabledMessage } from './enabled.js';
import { validateConfig } from './schema/validate.js';
import { renderPluginSchema } from './schema/render.js';

const DEFAULT_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'];

const isSet = (v: unknown) => v !== null && v !== undefined;

export function checkPluginRow(enabled: ReadonlyMap<string, PluginModule>, row: Row, role: 'control_plane' | 'data_plane'): { config: Row; errors: FieldErrors | null } {
  const name = String(row.name);
  const m = enabled.get(name);
  if (!m) return { config: {}, errors: { name: notEnabledMessage(name) } };
  const errors: FieldErrors = {};
  // Kong's typedefs.no_consumer / no_route / no_service: `eq = null`.
  if (m.schema.noConsumer && isSet(row.consumer)) errors.consumer = 'value must be null';
  if (m.schema.noRoute && isSet(row.route)) errors.route = 'value must be null';
  if (m.schema.noService && isSet(row.service)) errors.service = 'value must be null';
  const protocols = Array.isArray(row.protocols) ? (row.protocols as string[]) : [];
  const allowed = m.schema.protocols ?? DEFAULT_PROTOCOLS;
  const badProtocols: Record<string, string> = {};
  protocols.forEach((p, i) => {
    if (!allowed.includes(p)) badProtocols[String(i + 1)] = `expected one of: ${allowed.join(', ')}`;
  });
  if (Object.keys(badProtocols).length) errors.protocols = badProtocols;
  const checked = validateConfig(m.schema, row.config);
  if (checked.entityErrors?.length) errors['@entity'] = checked.entityErrors;
  if (checked.errors && Object.keys(checked.errors).length) {
    const only = Object.keys(checked.errors);
    // A custom validator's message sits on `config` itself, as Kong reports it.
    errors.config = only.length === 1 && only[0] === '@entity' ? checked.errors['@entity']! : checked.errors;
  }
  if (!checked.errors && m.checkDeployment) {
    const msg = m.checkDeployment(checked.config, { role });
    if (msg) errors.config = { '@entity': msg };
  }
  return { config: checked.config, errors: Object.keys(errors).length ? errors : null };
}

export interface NodePlugins extends PluginCatalogue {
  available: Record<string, { version: string; priority: number }>;
  schema(name: string): unknown;
  /** Name and version of each, for basic_info and the compatibility check. */
  list(): { name: string; version: string }[];
}

export function nodePlugins(enabled: ReadonlyMap<string, PluginModule>, role: 'control_plane' | 'data_plane'): NodePlugins {
  const available = Object.fromEntries([...enabled.values()].map((m) => [m.name, { version: m.version, priority: m.priority }]));
  return {
    check: (row) => checkPluginRow(enabled, row, role),
    available,
    schema: (name) => {
      const m = enabled.get(name);
      return m ? renderPluginSchema(m.schema, m.schema.protocols ?? DEFAULT_PROTOCOLS) : null;
    },
    list: () => [...enabled.values()].map((m) => ({ name: m.name, version: m.version })),
  };
}

