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
    write: opts.write ?? ((line) => process.stderr.write(`${line}\n`)),
    now: opts.now ?? (() => new Date()),
    secrets: new Set(),
  };
  return make(shared, [], {});
}

function make(shared: Shared, components: string[], base: Fields): Logger {
  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (LEVELS.indexOf(level) < shared.min) return;
    const all = redactFields({ ...base, ...fields });
    const text = scrub(msg, shared.secrets);
    const time = shared.now().toISOString();
    if (shared.format === 'json') {
      const doc = { time, level, ...(components.length ? { component: components.join('.') } : {}), msg: text, ...all };
      shared.write(scrub(JSON.stringify(doc, jsonSafe), shared.secrets));
    } else {
      const prefix = components.map((c) => `[${c}] `).join('');
      const extra = Object.entries(all).map(([k, v]) => ` ${k}=${formatValue(v)}`).join('');
      shared.write(scrub(`${time} [${level}] ${prefix}${text}${extra}`, shared.secrets));
    }
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
  };
}

function redactFields(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = SENSITIVE_FIELD.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : v;
  }
  return out;
}

function scrub(line: string, secrets: Set<string>): string {
  let out = line;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

function jsonSafe(_k: string, v: unknown): unknown {
  if (v instanceof Error) return { message: v.message, code: (v as NodeJS.ErrnoException).code };
  if (typeof v === 'bigint') return v.toString();
  return v;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[\w./:@-]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v, jsonSafe) ?? String(v);
}
