// Validates a plugin config the way Kong's schema library does: every error collected per field
// path, defaults filled in for fields left out, unknown fields refused.
import type { ConfigField, PluginSchema } from './types.js';

export type ConfigErrors = { [key: string]: string | ConfigErrors };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConfigResult {
  config: Record<string, unknown>;
  errors: ConfigErrors | null;
  /** Errors Kong reports on the plugin entity itself (`@entity`), from entity_checks. */
  entityErrors?: string[];
}

/** Kong's depth guard for nested values: nothing legitimate nests deeper. */
const MAX_DEPTH = 32;

function checkValue(f: ConfigField, v: unknown, depth: number): { value: unknown; error: string | ConfigErrors | null } {
  if (depth > MAX_DEPTH) return { value: v, error: 'value is nested too deeply' };
  switch (f.type) {
    case 'string': {
      if (typeof v !== 'string') return { value: v, error: 'expected a string' };
      if (f.len_min !== undefined && v.length < f.len_min) return { value: v, error: `length must be at least ${f.len_min}` };
      if (f.len_min === undefined && v.length === 0) return { value: v, error: 'length must be at least 1' };
      if (f.len_max !== undefined && v.length > f.len_max) return { value: v, error: `length must be at most ${f.len_max}` };
      if (f.one_of && !f.one_of.includes(v)) return { value: v, error: `expected one of: ${f.one_of.join(', ')}` };
      if (f.match && !f.match.test(v)) return { value: v, error: f.matchMessage ?? `invalid value: ${v}` };
      break;
    }
    case 'integer':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return { value: v, error: f.type === 'integer' ? 'expected an integer' : 'expected a number' };
      if (f.type === 'integer' && !Number.isInteger(v)) return { value: v, error: 'expected an integer' };
      if (f.between && (v < f.between[0] || v > f.between[1])) return { value: v, error: `value should be between ${f.between[0]} and ${f.between[1]}` };
      if (f.gt !== undefined && !(v > f.gt)) return { value: v, error: `value must be greater than ${f.gt}` };
      if (f.one_of && !f.one_of.includes(v)) return { value: v, error: `expected one of: ${f.one_of.join(', ')}` };
      break;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return { value: v, error: 'expected a boolean' };
      break;
    case 'array':
    case 'set': {
      // Kong's cjson reads an empty JSON object as an empty array.
      const list = isRecord(v) && Object.keys(v).length === 0 ? [] : v;
      if (!Array.isArray(list)) return { value: v, error: f.type === 'set' ? 'expected a set' : 'expected an array' };
      if (f.len_min !== undefined && list.length < f.len_min) return { value: list, error: `length must be at least ${f.len_min}` };
      if (f.len_max !== undefined && list.length > f.len_max) return { value: list, error: `length must be at most ${f.len_max}` };
      const out: unknown[] = [];
      const errs: ConfigErrors = {};
      list.forEach((el, i) => {
        const r = f.elements ? checkValue(f.elements, el, depth + 1) : { value: el, error: null };
        if (r.error) errs[String(i + 1)] = r.error;
        if (f.type === 'set' && out.some((o) => JSON.stringify(o) === JSON.stringify(r.value))) return;
        out.push(r.value);
      });
      if (Object.keys(errs).length) return { value: list, error: errs };
      return { value: out, error: f.check ? f.check(out as never) : null };
    }
    case 'map': {
      if (!isRecord(v)) return { value: v, error: 'expected a map' };
      const out: Record<string, unknown> = {};
      const errs: ConfigErrors = {};
      for (const [k, val] of Object.entries(v)) {
        const kr = f.keys ? checkValue(f.keys, k, depth + 1) : { value: k, error: null };
        const vr = f.values ? checkValue(f.values, val, depth + 1) : { value: val, error: null };
        if (kr.error || vr.error) errs[k] = (kr.error ?? vr.error)!;
        else out[k] = vr.value;
      }
      if (Object.keys(errs).length) return { value: v, error: errs };
      // Kong reports a map's own check as one message on the field.
      return { value: out, error: f.check ? f.check(out as never) : null };
    }
    case 'record': {
      if (!isRecord(v)) return { value: v, error: 'expected a record' };
      const r = validateFields(f.fields ?? [], v, depth + 1);
      return { value: r.config, error: r.errors };
    }
  }
  return { value: v, error: f.check ? f.check(v as never) : null };
}

function defaultFor(f: ConfigField, depth: number): unknown {
  if (f.default !== undefined) return structuredClone(f.default);
  // Kong makes every record of a plugin schema required: built from its fields' defaults.
  if (f.type === 'record') return validateFields(f.fields ?? [], {}, depth + 1).config;
  return null;
}

function validateFields(fields: readonly (readonly [string, ConfigField])[], input: Record<string, unknown>, depth: number): ConfigResult {
  const errors: ConfigErrors = {};
  const config: Record<string, unknown> = {};
  const known = new Set(fields.map(([k]) => k));
  for (const k of Object.keys(input)) if (!known.has(k)) errors[k] = 'unknown field';
  for (const [k, f] of fields) {
    const given = Object.prototype.hasOwnProperty.call(input, k) ? input[k] : undefined;
    if (given === undefined || given === null) {
      // Left out: the default. An explicit null stays null, which a required field refuses (Kong).
      const value = given === null ? null : defaultFor(f, depth);
      config[k] = value;
      if ((value === null || value === undefined) && f.required) errors[k] = 'required field missing';
      continue;
    }
    const r = checkValue(f, given, depth);
    if (r.error) errors[k] = r.error;
    config[k] = r.value;
  }
  return { config, errors: Object.keys(errors).length ? errors : null };
}

/** The config with defaults filled, or the errors Kong would report under `config`. */
export function validateConfig(schema: PluginSchema, input: unknown): ConfigResult {
  const raw = input === undefined || input === null ? {} : input;
  if (!isRecord(raw)) return { config: {}, errors: { '@entity': 'expected a record' } };
  const r = validateFields(schema.fields, raw, 0);
  if (r.errors) return r;
  const errors: ConfigErrors = {};
  const entityErrors: string[] = [];
  for (const check of schema.entityChecks ?? []) {
    const m = check(r.config);
    if (m === null) continue;
    if (typeof m === 'string') errors['@entity'] ??= m;
    else if ('entity' in m) entityErrors.push(m.entity);
    else errors[m.field] ??= m.message;
  }
  const any = Object.keys(errors).length > 0 || entityErrors.length > 0;
  return any ? { config: r.config, errors: Object.keys(errors).length ? errors : {}, entityErrors } : r;
}

/** `config.a.b: message` pairs, for Kong's one-line schema violation message. */
export function flattenErrors(errors: ConfigErrors, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(errors)) {
    const path = k === '@entity' ? prefix : `${prefix}.${k}`;
    if (typeof v === 'string') out.push(`${path}: ${v}`);
    else out.push(...flattenErrors(v, path));
  }
  return out;
}
