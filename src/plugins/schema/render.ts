// A plugin schema in Kong's Admin API format (GET /schemas/plugins/{name}): fields as an ordered
// list of one-key objects, records nested the same way.
import type { ConfigField, PluginSchema } from './types.js';

type Rendered = Record<string, unknown>;

function renderField(f: ConfigField): Rendered {
  const out: Rendered = { type: f.type };
  if (f.required) out.required = true;
  if (f.default !== undefined) out.default = f.default;
  if (f.one_of) out.one_of = f.one_of;
  if (f.between) out.between = f.between;
  if (f.gt !== undefined) out.gt = f.gt;
  if (f.len_min) out.len_min = f.len_min;
  if (f.len_max !== undefined) out.len_max = f.len_max;
  if (f.encrypted) out.encrypted = true;
  if (f.referenceable) out.referenceable = true;
  if (f.description) out.description = f.description;
  if (f.elements) out.elements = renderField(f.elements);
  if (f.keys) out.keys = renderField(f.keys);
  if (f.values) out.values = renderField(f.values);
  if (f.fields) out.fields = f.fields.map(([k, sub]) => ({ [k]: renderField(sub) }));
  return out;
}

const foreign = (reference: string, none: boolean): Rendered =>
  none ? { type: 'foreign', reference, eq: null, description: `Custom type for representing a foreign key with a null value allowed.` } : { type: 'foreign', reference, default: null, on_delete: 'cascade' };

export function renderPluginSchema(schema: PluginSchema, defaultProtocols: readonly string[]): Rendered {
  return {
    fields: [
      { consumer: foreign('consumers', schema.noConsumer === true) },
      { route: foreign('routes', schema.noRoute === true) },
      { service: foreign('services', schema.noService === true) },
      { protocols: { type: 'set', required: true, default: schema.protocols ?? defaultProtocols, elements: { type: 'string', one_of: ['grpc', 'grpcs', 'http', 'https'] } } },
      { config: { type: 'record', required: true, fields: schema.fields.map(([k, f]) => ({ [k]: renderField(f) })) } },
    ],
  };
}
