// Validation and defaults the way Kong's schema library reports them: one message per field,
// collected, never the first only.
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { PROTOCOLS, SCHEMAS, type EntitySchema, type Field } from './schemas.js';
import type { PluginCatalogue } from './plugin-catalogue.js';
import { plainJson } from './json-shape.js';
import { validateHost, validateHostWithOptionalPort, validateRouteHost, validateTarget, validateUpstreamName, validateWildcardHost } from './ip.js';
import { badUtf8Position, validateHeaderName, validateTag, validateUtf8Name } from './names.js';
import { tlsChecks } from './tls-entities.js';
import { serviceTlsChecks } from './service-tls.js';
import { checkForeignKey, checkIpPort, fillsRecord, mergeRecord } from './records.js';
import { isIP } from 'node:net';
import { protocolSubsetsError, routeSubschemaChecks, routeSubschemaDefaults } from './route-subschemas.js';

export type Row = Record<string, unknown>;
export type FieldErrors = Record<string, unknown>;

const METHOD = /^[A-Z]+$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkElement(f: Field, v: unknown): unknown {
  if (f.elements === 'ip_port') return checkIpPort(v, (a) => isIP(a) !== 0);
  if (typeof v !== 'string') return 'expected a string';
  switch (f.elements) {
    case 'path':
      return v.startsWith('/') || v.startsWith('~/') ? null : 'should start with: / (fixed path) or ~/ (regex path)';
    case 'method':
      return METHOD.test(v) ? null : `invalid value: ${v}`;
    case 'protocol':
      return (PROTOCOLS as readonly string[]).includes(v) ? null : `expected one of: ${PROTOCOLS.join(', ')}`;
    case 'host':
      return validateHost(v);
    case 'route_host':
      return validateRouteHost(v);
    case 'wildcard_host':
      return validateWildcardHost(v);
    case 'host_with_port':
      return validateHostWithOptionalPort(v);
    case 'upstream_name':
      return validateUpstreamName(v, badUtf8Position(v) === 0);
    case 'target':
      return validateTarget(v, badUtf8Position(v) === 0);
    case 'utf8_name':
      return validateUtf8Name(v);
    case 'tag':
      return validateTag(v);
    case 'uuid':
      return UUID.test(v) ? null : 'expected a valid UUID';
    default:
      return null;
  }
}

function checkField(f: Field, v: unknown): unknown {
  switch (f.type) {
    case 'string':
      if (typeof v !== 'string') return 'expected a string';
      if (v.length === 0) return 'length must be at least 1';
      if (f.oneOf && !f.oneOf.includes(v)) return `expected one of: ${f.oneOf.join(', ')}`;
      if (f.startsWith && !v.startsWith(f.startsWith)) return `should start with: ${f.startsWith}`;
      if (f.elements) return checkElement(f, v);
      return null;
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `expected ${f.type === 'integer' ? 'an integer' : 'a number'}`;
      if (f.type === 'integer' && !Number.isInteger(v)) return 'expected an integer';
      if (f.between && (v < f.between[0] || v > f.between[1])) return `value should be between ${f.between[0]} and ${f.between[1]}`;
      if (f.oneOf && !f.oneOf.includes(String(v))) return `expected one of: ${f.oneOf.join(', ')}`;
      return null;
    case 'boolean':
      return typeof v === 'boolean' ? null : 'expected a boolean';
    case 'array':
    case 'set': {
      if (!Array.isArray(v)) return f.type === 'set' ? 'expected a set' : 'expected an array';
      const errs: Record<string, unknown> = {};
      v.forEach((el, i) => {
        const e = checkElement(f, el);
        if (e) errs[String(i + 1)] = e;
      });
      return Object.keys(errs).length ? errs : null;
    }
    case 'map':
      if (!isObject(v)) return 'expected a map';
      return f.map === 'headers' ? checkHeaders(v) : null;
    case 'record':
      return isObject(v) ? null : 'expected a record';
    case 'foreign':
      if (!isObject(v)) return 'expected a record';
      return checkForeignKey(v, SCHEMAS[f.reference ?? ''], UUID, (rf: Field, x) => (rf.type === 'foreign' ? null : checkField(rf, x)));
  }
}

/** typedefs.headers with routes' rule: header name → array of strings, never `host`. */
function checkHeaders(v: Row): unknown {
  const errs: Record<string, string> = {};
  for (const [k, vals] of Object.entries(v)) {
    const bad = validateHeaderName(k) ?? (/^host$/i.test(k) ? "cannot contain 'host' header, which must be specified in the 'hosts' attribute" : null);
    if (bad) errs[k] = bad;
    else if (!Array.isArray(vals)) errs[k] = 'expected an array';
    else if (vals.some((x) => typeof x !== 'string')) errs[k] = 'expected a string';
  }
  return Object.keys(errs).length ? errs : null;
}

/** Kong's `url` shorthand on services: protocol, host, port and path in one field. */
export function expandServiceUrl(input: Row): { row: Row; error?: string } {
  if (!('url' in input)) return { row: input };
  const { url, ...rest } = input;
  if (typeof url !== 'string') return { row: rest, error: 'expected a string' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { row: rest, error: 'missing host in url' };
  }
  if (!u.hostname) return { row: rest, error: 'missing host in url' };
  const protocol = u.protocol.replace(/:$/, '');
  const port = u.port ? Number(u.port) : protocol === 'https' || protocol === 'grpcs' || protocol === 'wss' || protocol === 'tls' ? 443 : 80;
  const path = u.pathname && u.pathname !== '' && !(u.pathname === '/' && !/\/\/[^/]+\//.test(url)) ? decodeURIComponent(u.pathname) : null;
  return { row: { ...rest, protocol, host: u.hostname.replace(/^\[|\]$/g, ''), port, path } };
}

/** Entity-level checks Kong runs after the field checks. */
function entityChecks(schema: EntitySchema, row: Row): string[] {
  const out: string[] = [];
  if (schema.name === 'routes') {
    const protocols = (row.protocols as string[] | null) ?? [];
    const has = (k: string) => {
      const v = row[k];
      return Array.isArray(v) ? v.length > 0 : isObject(v) ? Object.keys(v).length > 0 : v !== null && v !== undefined;
    };
    // Kong's conditional: a TLS server name can only be matched on a protocol that has one.
    if (has('snis') && !protocols.some((p) => ['grpcs', 'https', 'tls', 'tls_passthrough'].includes(p))) {
      out.push(Object.assign(new String("'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"), {
        field: 'snis', message: 'length must be 0',
      }) as unknown as string);
    }
    if (protocols.some((p) => p === 'http' || p === 'https') && !['methods', 'hosts', 'headers', 'paths', 'snis'].some(has)) {
      const p = protocols.includes('https') && !protocols.includes('http') ? 'https' : 'http';
      out.push(`must set one of 'methods', 'hosts', 'headers', 'paths'${p === 'https' ? ", 'snis'" : ''} when 'protocols' is '${p}'`);
    }
  }
  if (schema.name === 'jwt_secrets' && typeof row.algorithm === 'string' && /^(RS|PS)\d+$|^EdDSA$/.test(row.algorithm)) {
    // Kong: these algorithms verify with rsa_public_key, which must be there and parse as a public key.
    const key = row.rsa_public_key;
    let bad: string | null = typeof key === 'string' ? null : 'required field missing';
    if (!bad) {
      try {
        createPublicKey(key as string);
      } catch {
        bad = 'invalid key';
      }
    }
    if (bad) out.push(Object.assign(new String("failed conditional validation given value of field 'algorithm'"), { field: 'rsa_public_key', message: bad }) as unknown as string);
  }
  if (schema.name === 'services') out.push(...serviceTlsChecks(row));
  if (schema.name === 'consumers' && (row.username === null || row.username === undefined) && (row.custom_id === null || row.custom_id === undefined)) {
    out.push("at least one of these fields must be non-empty: 'custom_id', 'username'");
  }
  return out;
}

/** Every entity, plugin configs included: deeper or larger than this is refused before it is stored. */
export const ENTITY_LIMITS = { maxDepth: 32, maxBytes: 1024 * 1024 } as const;

function shapeError(path: string[], message: string): FieldErrors {
  const at = path.length > 1 ? ` at '${path.join('.').slice(0, 200)}'` : '';
  // A refused key is never used as an error key: `errors.__proto__ = …` would be lost.
  if (path.length === 0 || path[0] === '__proto__' || path[0] === 'constructor' || path[0] === 'prototype') {
    return { '@entity': [`${message}${at}`] };
  }
  return { [path[0]!]: `${message}${at}` };
}

/** Routes: the protocols subsets, then the subschema of the first protocol (defaults, field errors). */
function routeChecks(merged: Row, given: Row, base: Row | null, errors: FieldErrors): string[] {
  const subsets = protocolSubsetsError(merged.protocols);
  if (subsets) errors.protocols ??= subsets;
  if (errors.protocols !== undefined) return [];
  routeSubschemaDefaults(merged, given, base === null);
  const sub = routeSubschemaChecks(merged);
  for (const [k, m] of Object.entries(sub.fields)) errors[k] ??= m;
  return sub.entity;
}

export interface Validated {
  row: Row;
  errors: FieldErrors | null;
}

/**
 * A full row: the input over `base` (the existing row for PATCH), unknown fields and type errors
 * reported per field, defaults filled for fields still missing, `null` meaning unset.
 */
export function validateRow(entity: string, input: unknown, base: Row | null = null, plugins?: PluginCatalogue): Validated {
  const schema = SCHEMAS[entity]!;
  const errors: FieldErrors = {};
  if (!isObject(input)) return { row: {}, errors: { '@entity': ['expected a record'] } };
  // Shape first, before any field is looked at: what is stored must serialize, whatever its depth.
  const shaped = plainJson(input, ENTITY_LIMITS);
  if (!shaped.ok) return { row: {}, errors: shapeError(shaped.path, shaped.message) };
  let source = shaped.value as Row;
  if (entity === 'services') {
    const expanded = expandServiceUrl(input);
    if (expanded.error) errors.url = expanded.error;
    source = expanded.row;
  }
  const row: Row = {};
  for (const [k, v] of Object.entries(source)) {
    // Own fields only: `toString` or `constructor` must not find Object.prototype's members.
    const f = Object.hasOwn(schema.fields, k) ? schema.fields[k] : undefined;
    if (!f) {
      errors[k] = 'unknown field';
      continue;
    }
    if (f.auto === 'timestamp') continue;
    if (v === null && f.auto === 'random') continue;
    if (v === null) {
      row[k] = null;
      continue;
    }
    const e = checkField(f, v);
    if (e) errors[k] = e;
    else row[k] = fillsRecord(f) ? mergeRecord(base?.[k] ?? f.default, v) : v;
  }
  const merged: Row = { ...(base ?? {}), ...row };
  for (const [k, f] of Object.entries(schema.fields)) {
    if (f.auto === 'random' && (merged[k] === undefined || merged[k] === null)) merged[k] = randomBytes(16).toString('hex');
    if (f.auto) continue;
    if (merged[k] === undefined) merged[k] = base ? (base[k] ?? null) : (f.default !== undefined ? structuredClone(f.default) : null);
    if (merged[k] === null && f.required && errors[k] === undefined) errors[k] = 'required field missing';
  }
  if (entity === 'targets' && typeof merged.target === 'string' && !/:\d+$/.test(merged.target) && !/^\[.*\]:\d+$/.test(merged.target)) {
    merged.target = `${merged.target}:8000`;
  }
  const tls = tlsChecks(entity, merged, errors);
  const sub = entity === 'routes' ? routeChecks(merged, row, base, errors) : [];
  if (Object.keys(errors).length === 0) {
    const entityErrors = [...entityChecks(schema, merged), ...tls, ...sub];
    // A conditional check also names the field that failed it.
    for (const e of entityErrors) if (typeof e === 'object' && 'field' in e) errors[(e as { field: string }).field] = (e as { message: string }).message;
    if (entityErrors.length) errors['@entity'] = entityErrors.map(String);
  }
  // Kong's basic-auth transformation: the password is stored as sha1(password .. consumer id).
  if (entity === 'basicauth_credentials' && typeof row.password === 'string' && Object.keys(errors).length === 0) {
    const consumerId = (merged.consumer as Row | null)?.id;
    if (typeof consumerId === 'string') merged.password = createHash('sha1').update(`${row.password}${consumerId}`).digest('hex');
  }
  if (entity === 'plugins' && plugins && Object.keys(errors).length === 0) {
    const checked = plugins.check(merged);
    if (checked.errors) Object.assign(errors, checked.errors);
    else merged.config = checked.config;
  }
  return { row: merged, errors: Object.keys(errors).length ? errors : null };
}

export function describeErrors(fields: FieldErrors): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (k === '@entity') parts.push(...(Array.isArray(v) ? (v as string[]) : [String(v)]));
    else if (typeof v === 'string') parts.push(`${k}: ${v}`);
    else if (k === 'config' && v && typeof v === 'object') parts.push(...nested(v as Record<string, unknown>, k));
    else for (const [i, m] of Object.entries(v as Record<string, unknown>)) parts.push(`${k}.${i}: ${typeof m === 'string' ? m : JSON.stringify(m)}`);
  }
  return parts.length > 1 ? `${parts.length} schema violations (${parts.join('; ')})` : `schema violation (${parts[0] ?? ''})`;
}

/** A plugin's config errors, Kong style: `config.a.b: message`. */
function nested(v: Record<string, unknown>, prefix: string): string[] {
  // Kong lists entity-level messages first, then fields in name order.
  const keys = Object.keys(v).sort((a, b) => (a === '@entity' ? -1 : b === '@entity' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => [k, v[k]] as const).flatMap(([k, m]) => {
    const path = k === '@entity' ? prefix : `${prefix}.${k}`;
    return m && typeof m === 'object' ? nested(m as Record<string, unknown>, path) : [`${path}: ${String(m)}`];
  });
}
