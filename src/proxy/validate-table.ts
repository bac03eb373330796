// The one structural check of a config_table a data plane is given (by a control plane, or from its
// cache) before it is served or cached: every entity a list of records with an id, every known
// field of the type Kong's schema gives it, hosts and ports Kong would accept, nothing nested
// without bound. A peer is not trusted to have validated anything; what fails here is refused whole.
import { SCHEMAS, type Field } from '../entities/schemas.js';
import { UUID } from '../entities/validate.js';
import type { ConfigTable } from './config.js';
import { validateHost, validateTarget } from '../entities/ip.js';

/** Kong's plugin configs are a few levels deep; far below what serialising a config would overflow on. */
export const MAX_DEPTH = 64;
const SHOWN_PROBLEMS = 5;
/** Past this many, the rest are only counted: a hostile table cannot make the message huge. */
const MAX_PROBLEMS = 1000;

export class InvalidConfigTableError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    // Problems quote a peer's values: escaped and capped before they reach a log line.
    problems = problems.map((p) => shown(p, 300));
    const listed = problems.slice(0, SHOWN_PROBLEMS).join('; ');
    const rest = problems.length - SHOWN_PROBLEMS;
    const more = rest > 0 ? ` (and ${rest}${problems.length >= MAX_PROBLEMS ? '+' : ''} more)` : '';
    super(`config_table is invalid: ${listed}${more}`);
    this.name = 'InvalidConfigTableError';
    this.problems = problems;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// cjson encodes an empty Lua table as {}: a Kong CP's empty list may arrive as an empty object.
const isList = (v: unknown): v is unknown[] | Record<string, never> => Array.isArray(v) || (isRecord(v) && Object.keys(v).length === 0);
const items = (v: unknown[] | Record<string, never>): unknown[] => (Array.isArray(v) ? v : []);

/** A peer's string as it may appear in one log line: control characters escaped, length capped. */
export function shown(v: string, max = 64): string {
  const cut = v.length > max ? `${v.slice(0, max)}…` : v;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'a record' : `a ${typeof v}`);

function elementProblem(f: Field, v: unknown): string | null {
  // Route sources/destinations are { ip, port } records.
  if (f.elements === 'ip_port') return v !== null && typeof v === 'object' && !Array.isArray(v) ? null : `expected a record, got ${typeName(v)}`;
  if (typeof v !== 'string') return `expected a string, got ${typeName(v)}`;
  if (f.elements === 'path' && !v.startsWith('/') && !v.startsWith('~/')) return 'should start with: / (fixed path) or ~/ (regex path)';
  if (f.elements === 'uuid' && !UUID.test(v)) return 'expected a valid UUID';
  return null;
}

/** One known field's value (non-null) against Kong's type for it. */
function fieldProblem(entity: string, key: string, f: Field, v: unknown): string | null {
  switch (f.type) {
    case 'string':
      return typeof v === 'string' ? null : `expected a string, got ${typeName(v)}`;
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || (f.type === 'integer' && !Number.isInteger(v))) {
        return `expected ${f.type === 'integer' ? 'an integer' : 'a number'}, got ${typeof v === 'number' ? shown(String(v)) : typeName(v)}`;
      }
      if (f.between && (v < f.between[0] || v > f.between[1])) return `value should be between ${f.between[0]} and ${f.between[1]}`;
      if (f.oneOf && !f.oneOf.includes(String(v))) return `expected one of: ${f.oneOf.join(', ')}`;
      return null;
    case 'boolean':
      return typeof v === 'boolean' ? null : `expected a boolean, got ${typeName(v)}`;
    case 'array':
    case 'set': {
      if (!isList(v)) return `expected ${f.type === 'set' ? 'a set' : 'an array'}, got ${typeName(v)}`;
      if (!f.elements) return null;
      const list = items(v);
      for (let i = 0; i < list.length; i++) {
        const e = elementProblem(f, list[i]);
        if (e) return `${i + 1}: ${e}`;
      }
      return null;
    }
    case 'map': {
      if (!isRecord(v)) return `expected a map, got ${typeName(v)}`;
      // The router reads route headers as lists of values.
      if (entity === 'routes' && key === 'headers') {
        for (const [name, values] of Object.entries(v)) {
          if (!isList(values) || items(values).some((x) => typeof x !== 'string')) return `${shown(name)}: expected an array of strings`;
        }
      }
      return null;
    }
    case 'record':
      return isRecord(v) ? null : `expected a record, got ${typeName(v)}`;
    case 'foreign':
      // Kong's export flattens foreign keys to the id; {id} is accepted as well.
      if (typeof v === 'string' || (isRecord(v) && typeof v.id === 'string')) return null;
      return `expected an id (a string), got ${typeName(v)}`;
  }
}

/** Kong's host rules where the proxy connects: a service host, an upstream target. */
function hostProblem(entity: string, row: Record<string, unknown>): string | null {
  if (entity === 'services' && typeof row.host === 'string') {
    const p = validateHost(row.host);
    return p && `host: ${p}`;
  }
  if (entity === 'targets' && typeof row.target === 'string') {
    const p = validateTarget(row.target, true);
    return p && `target: ${p}`;
  }
  return null;
}

// The fields checked per entity, computed once: this runs for every row of a 100k-route config.
const CHECKED = new Map<string, [string, Field][]>(
  Object.values(SCHEMAS).map((schema) => [schema.name, Object.entries(schema.fields).filter(([key, f]) => key !== 'id' && f.auto !== 'timestamp')]),
);

function rowProblems(entity: string, fields: [string, Field][], row: Record<string, unknown>, at: () => string, ids: Set<string>, out: string[]): void {
  if (typeof row.id !== 'string' || !UUID.test(row.id)) out.push(`${at()}.id: ${row.id === undefined || row.id === null ? 'required field missing' : 'expected a valid UUID'}`);
  else if (ids.has(row.id)) out.push(`${at()}.id: uniqueness violation: '${entity}' entity with primary key set to '${row.id}' already declared`);
  else ids.add(row.id);
  // Fields this node does not know (a newer control plane's) are not read, so not checked.
  for (const [key, f] of fields) {
    const v = row[key];
    if (v === undefined || v === null) {
      if (f.required && f.default === undefined) out.push(`${at()}.${key}: required field missing`);
      continue;
    }
    const p = fieldProblem(entity, key, f, v);
    if (p) out.push(`${at()}.${key}: ${p}`);
  }
  const host = hostProblem(entity, row);
  if (host) out.push(`${at()}.${host}`);
}

/** Iterative, so a table nested deeper than the stack cannot overflow the check itself. */
function tooDeep(root: unknown): boolean {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth >= MAX_DEPTH) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (typeof c === 'object' && c !== null) {
          values.push(c);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const k in v) {
        const c = v[k];
        if (typeof c === 'object' && c !== null) {
          values.push(c);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** Every structural problem of a config_table (capped), Kong-style paths: `services.2.port: ...`. */
export function configTableProblems(table: unknown): string[] {
  if (!isRecord(table)) return [`config_table: expected a record, got ${typeName(table)}`];
  if (tooDeep(table)) return [`config_table: nested more than ${MAX_DEPTH} levels deep`];
  const out: string[] = [];
  if (table._format_version !== undefined && table._format_version !== null && typeof table._format_version !== 'string') {
    out.push(`_format_version: expected a string, got ${typeName(table._format_version)}`);
  }
  for (const [key, value] of Object.entries(table)) {
    if (key.startsWith('_') || value === null || value === undefined) continue;
    const at = CHECKED.has(key) ? key : JSON.stringify(shown(key, 40));
    if (!isList(value)) {
      out.push(`${at}: expected an array, got ${typeName(value)}`);
      continue;
    }
    const ids = new Set<string>();
    const fields = CHECKED.get(key);
    const list = items(value);
    for (let i = 0; i < list.length && out.length < MAX_PROBLEMS; i++) {
      const row = list[i];
      if (!isRecord(row)) out.push(`${at}.${i + 1}: expected a record, got ${typeName(row)}`);
      else if (fields) rowProblems(key, fields, row, () => `${at}.${i + 1}`, ids, out);
    }
    if (out.length >= MAX_PROBLEMS) break;
  }
  return out.map((p) => shown(p, 300));
}

/** Throws an InvalidConfigTableError naming what is wrong; a table that passes is safe to compile. */
export function assertValidConfigTable(table: unknown): asserts table is ConfigTable {
  const problems = configTableProblems(table);
  if (problems.length > 0) throw new InvalidConfigTableError(problems);
}
