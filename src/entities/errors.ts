// Kong's Admin API error documents (kong/db/errors.lua): a code, a name, a message and the fields.
import { describeErrors, type FieldErrors } from './validate.js';
import { positionsToArrays } from './records.js';

export class EntityError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

// Array element errors travel as arrays ({paths: [null, "…"]}), as cjson encodes Kong's tables.
export const schemaViolation = (fields: FieldErrors) =>
  new EntityError(400, { code: 2, name: 'schema violation', message: describeErrors(fields), fields: positionsToArrays(fields) });

export const uniqueViolation = (key: string, value: unknown) =>
  new EntityError(409, { code: 5, name: 'unique constraint violation', message: `UNIQUE violation detected on '{${key}=${JSON.stringify(value)}}'`, fields: { [key]: value } });

/** Lua's rendering of a key table in Kong's messages: keys sorted, strings quoted, null as null. */
function luaTable(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v !== 'object') return JSON.stringify(v);
  return `{${Object.keys(v as object).sort().map((k) => `${k}=${luaTable((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** Kong's composite unique key (a plugin's cache_key: name, route, service, consumer). */
export const compositeUniqueViolation = (fields: Record<string, unknown>) =>
  new EntityError(409, { code: 5, name: 'unique constraint violation', message: `UNIQUE violation detected on '${luaTable(fields)}'`, fields });

export const primaryKeyViolation = (id: string) =>
  new EntityError(409, { code: 3, name: 'primary key violation', message: `primary key violation on key '{id="${id}"}'`, fields: { id } });

export const foreignKeyViolation = (field: string, reference: string, key: Record<string, unknown>) =>
  new EntityError(400, {
    code: 4,
    name: 'foreign key violation',
    message: `the foreign key '{${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}' does not reference an existing '${reference}' entity.`,
    fields: { [field]: key },
  });

export const referencedViolation = (entity: string, by: string) =>
  new EntityError(400, { code: 4, name: 'foreign key violation', message: `an existing '${by}' entity references this '${entity}' entity`, fields: { '@referenced_by': by } });

/** Kong's ca_certificates DAO: a CA a service still trusts is not deleted (kong/db/dao/ca_certificates.lua). */
export const referencedByOthers = (message: string) => new EntityError(400, { code: 19, name: 'referenced by others', message });

export const notFound = () => new EntityError(404, { message: 'Not found' });

export const declarativeError = (fields: Record<string, unknown>, message: string) =>
  new EntityError(400, { code: 14, name: 'invalid declarative configuration', message, fields });
