// /schemas/{entity} and /schemas/{entity}/validate (kong/api/routes/kong.lua): the schema in Kong's
// JSON, and a check of a would-be entity that stores nothing.
import { SCHEMAS, schemaViolation, validateRow } from '../entities/index.js';
import { HttpError } from './http-error.js';
import { kongEntitySchema } from './kong-schemas.js';
import type { AdminPlugins } from './routes.js';

export interface SchemaReply {
  status: number;
  body: unknown;
}

const noEntity = (name: string) => new HttpError(404, { message: `No entity named '${name}'` });

export function entitySchema(method: string, name: string): SchemaReply {
  if (method !== 'GET') throw new HttpError(405, { message: 'Method not allowed' });
  const schema = kongEntitySchema(name);
  if (!schema) throw noEntity(name);
  return { status: 200, body: schema };
}

/** Kong validates the body as an insert would (auto fields, defaults), without uniqueness or foreign-key look-ups. */
export function validateEntity(method: string, name: string, body: unknown, plugins?: AdminPlugins): SchemaReply {
  if (method !== 'POST') throw new HttpError(405, { message: 'Method not allowed' });
  if (!Object.hasOwn(SCHEMAS, name) || !kongEntitySchema(name)) throw noEntity(name);
  const v = validateRow(name, body, null, plugins);
  if (v.errors) throw schemaViolation(v.errors);
  return { status: 200, body: { message: 'schema validation successful' } };
}
