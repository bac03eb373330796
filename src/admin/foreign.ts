// Foreign keys given by a unique field instead of an id (`"service": {"name": "billing"}`), resolved
// as Kong's DAO resolve_foreign does before a write; one that names nothing is Kong's code 13.
import { SCHEMAS, UUID, EntityError, schemaViolation, type EntityName } from '../entities/index.js';
import type { Store } from '../store/index.js';

type Row = Record<string, unknown>;
const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

const pretty = (k: string, v: unknown) => `{${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}}`;

function unresolved(errors: Record<string, Record<string, string>>): EntityError {
  const parts: string[] = [];
  for (const f of Object.keys(errors).sort()) for (const sub of Object.keys(errors[f]!).sort()) parts.push(`${f}.${sub}: ${errors[f]![sub]}`);
  const message = parts.length === 1 ? `foreign key unresolved (${parts[0]})` : `${parts.length} foreign keys unresolved (${parts.join('; ')})`;
  return new EntityError(400, { code: 13, name: 'foreign keys unresolved', message, fields: errors });
}

export async function resolveForeignKeys(store: Store, entity: EntityName, body: unknown): Promise<unknown> {
  if (!isObject(body)) return body;
  const out: Row = { ...body };
  const errors: Record<string, Record<string, string>> = {};
  for (const [name, field] of Object.entries(SCHEMAS[entity]!.fields)) {
    const value = out[name];
    if (field.type !== 'foreign' || !isObject(value) || (typeof value.id === 'string' && UUID.test(value.id))) continue;
    const ref = SCHEMAS[field.reference ?? ''];
    // A malformed id is a schema violation, before any look-up (Kong's validate_primary_key).
    if ('id' in value) throw schemaViolation({ [name]: { id: typeof value.id === 'string' ? 'expected a valid UUID' : 'expected a string' } });
    if (!ref) continue;
    const tried: Record<string, string> = {};
    let found = false;
    for (const [k, f] of Object.entries(ref.fields)) {
      if (!(f.unique || ref.endpointKey === k) || typeof value[k] !== 'string' || value[k] === '') continue;
      const hit =
        ref.endpointKey === k
          ? await store.get(field.reference as EntityName, value[k] as string)
          : ((await store.list(field.reference as EntityName, { size: 1, where: (r) => r[k] === value[k] })).data[0] ?? null);
      if (hit && hit[k] === value[k]) {
        out[name] = { id: hit.id };
        found = true;
        break;
      }
      tried[k] = `the foreign key cannot be resolved with '${pretty(k, value[k])}' for an existing '${field.reference}' entity`;
    }
    if (!found && Object.keys(tried).length) errors[name] = tried;
  }
  if (Object.keys(errors).length) throw unresolved(errors);
  return out;
}
