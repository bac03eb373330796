// Kong's core entities: schemas, validation with Kong's error documents, declarative format,
// and the config_table shape data planes receive.
export { SCHEMAS, ENTITY_ORDER, PROTOCOLS, isEntity, type EntityName, type EntitySchema, type Field } from './schemas.js';
export { validateRow, describeErrors, expandServiceUrl, UUID, ENTITY_LIMITS, type Row, type FieldErrors } from './validate.js';
export { EntityError, schemaViolation, uniqueViolation, compositeUniqueViolation, primaryKeyViolation, foreignKeyViolation, referencedViolation, referencedByOthers, notFound, declarativeError } from './errors.js';
export { parseDeclarativeText, declarativeToRows, declarativeToConfigTable, uuidV5, declarativeId, kongIdKey, KONG_ID_NAMESPACE, FORMAT_VERSIONS } from './declarative.js';
export { toConfigTable, configRow, emptyRows, exportState, refId, type Rows } from './config-table.js';
export type { DataPlaneRow } from './data-plane.js';
export type { PluginCatalogue } from './plugin-catalogue.js';
export { CREDENTIAL_ENTITIES, CREDENTIAL_PATHS } from './credentials.js';
export { TLS_ENTITIES } from './tls-entities.js';
