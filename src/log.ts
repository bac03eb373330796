// Structured logs for the daemons: one line per event on stderr, text or JSON, with redaction
// built in so no call site has to remember which values are secret.
export type Level = 'debug' | 'info' | 'warn' | 'error';
export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger whose lines carry `[component]` (Kong's `[clustering]`) and the given fields. */
  child(component: string, fields?: Fields): Logger;
  /** Values (proxy passwords, key text) that must never appear in a line, whatever field holds them. */
  addSecret(value: string | undefined): void;
  /** Changes the lowest level logged, for this logger and every logger sharing its output. */
  setLevel(level: Level): void;
}

export interface LoggerOptions {
  level?: Level;
  format?: 'text' | 'json';
  write?: (line: string) => void;
  now?: () => Date;
}

export const REDACTED = '******';
// Field names whose values are secret wherever they appear (Kong: CONF_SENSITIVE).
const SENSITIVE_FIELD = /(^|_)(key|password|passwd|secret|token|authorization|proxy_server|cluster_cert_key|pg_password)$/i;

interface Shared {
  min: number;
  format: 'text' | 'json';
  write: (line: string) => void;
  now: () => Date;
  secrets: Set<string>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const shared: Shared = {
    min: LEVELS.indexOf(opts.level ?? 'info'),
    format: opts.format ?? 'text',
    // One write per line, newline included (see emit).
    write: opts.write ?? ((line) => process.stderr.write(`${line}\n`)),
    now: opts.now ?? (() => new Date()),
    secrets: new Set(),
  };
  return make(shared, [], {});
}

function make(shared: Shared, components: string[], base: Fields): Logger {
  const render = (level: Level, msg: string, fields: Fields, limits: Limits): string => {
    const all = limitFields(redactFields({ ...base, ...fields }), limits.fields);
    const text = cap(scrub(String(msg), shared.secrets), limits.msg);
    const time = shared.now().toISOString();
    if (shared.format === 'json') {
      const values: Fields = {};
      for (const [k, v] of Object.entries(all)) values[k] = jsonValue(v, shared.secrets, limits.value);
      const doc = { time, level, ...(components.length ? { component: components.join('.') } : {}), msg: text, ...values };
      return scrub(escapeControls(JSON.stringify(doc, jsonSafe)), shared.secrets);
    }
    const prefix = components.map((c) => `[${escapeControls(c)}] `).join('');
    const extra = Object.entries(all).map(([k, v]) => ` ${formatKey(k)}=${formatValue(v, shared.secrets, limits.value)}`).join('');
    return scrub(`${time} [${level}] ${prefix}${escapeControls(text)}${extra}`, shared.secrets);
  };
  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (LEVELS.indexOf(level) < shared.min) return;
    // A line that fits in PIPE_BUF is written to a pipe in one piece: nothing another writer puts
    // on stderr (lmdb's native messages) can land inside it. Lines over it are rebuilt tighter.
    let line = '';
    for (const limits of LIMITS) {
      line = render(level, msg, fields, limits);
      if (Buffer.byteLength(line) < LINE_MAX) break;
    }
    shared.write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (component, fields = {}) => make(shared, [...components, component], { ...base, ...fields }),
    addSecret: (value) => {
      if (value && value.length >= 4) shared.secrets.add(value);
    },
    setLevel: (level) => {
      shared.min = LEVELS.indexOf(level);
    },
  };
}

/**
 * A peer controls much of what is logged (ping payloads, basic_info, hashes, error text): every
 * value is capped, so one field cannot flood the log, and a line holds a bounded number of fields.
 */
export const MAX_VALUE = 1024;
/** PIPE_BUF on Linux, with the newline. */
const LINE_MAX = 4096;
interface Limits {
  value: number;
  msg: number;
  fields: number;
}
const LIMITS: readonly Limits[] = [
  { value: MAX_VALUE, msg: 2048, fields: 64 },
  { value: 96, msg: 512, fields: 12 },
  { value: 0, msg: 512, fields: 0 },
];

/** `s` cut to `max` characters (never inside a surrogate pair) with a marker saying how much went. */
export function cap(s: string, max = MAX_VALUE): string {
  if (s.length <= max) return s;
  const c = max > 0 ? s.charCodeAt(max - 1) : 0;
  const end = c >= 0xd800 && c <= 0xdbff ? max - 1 : max;
  return `${s.slice(0, end)}…[+${s.length - end} chars]`;
}

function limitFields(fields: Fields, max: number): Fields {
  const entries = Object.entries(fields);
  if (entries.length <= max) return fields;
  return { ...Object.fromEntries(entries.slice(0, max)), fields_elided: entries.length - max };
}

// C0 (\n, \r, ESC…), DEL, C1 and the Unicode line separators: each could end a line or drive a
// terminal, so a line never carries one raw. JSON.stringify escapes C0 itself; the rest are
// escaped here, which keeps a JSON line valid JSON.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
export function escapeControls(s: string): string {
  return s.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function redactFields(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = SENSITIVE_FIELD.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : v;
  }
  return out;
}

/** Secrets as written, as JSON writes them (a PEM's newlines as \n) and as a line carries them. */
function scrub(text: string, secrets: Set<string>): string {
  let out = text;
  for (const s of secrets) {
    const json = JSON.stringify(s).slice(1, -1);
    for (const form of new Set([s, json, escapeControls(json)])) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

function jsonSafe(_k: string, v: unknown): unknown {
  if (v instanceof Error) return { message: v.message, code: (v as NodeJS.ErrnoException).code };
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function serialize(v: unknown): string {
  try {
    return JSON.stringify(v, jsonSafe) ?? String(v);
  } catch {
    return '[unserializable]';
  }
}

/** A value as the JSON line carries it: small values as they are, anything longer capped as text. */
function jsonValue(v: unknown, secrets: Set<string>, max: number): unknown {
  if (typeof v === 'string') return cap(scrub(v, secrets), max);
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || v === undefined) return v;
  if (v instanceof Error) return { message: cap(scrub(v.message, secrets), max), code: (v as NodeJS.ErrnoException).code };
  const text = serialize(v);
  return text.length > max ? cap(scrub(text, secrets), max) : v;
}

function formatKey(k: string): string {
  return /^[\w.-]{1,64}$/.test(k) ? k : escapeControls(JSON.stringify(cap(k, 64)));
}

function formatValue(v: unknown, secrets: Set<string>, max: number): string {
  const s = cap(scrub(v instanceof Error ? v.message : typeof v === 'string' ? v : serialize(v), secrets), max);
  if (typeof v === 'string' && /^[\w./:@-]+$/.test(s)) return s;
  return escapeControls(v instanceof Error || typeof v === 'string' ? JSON.stringify(s) : s);
}
