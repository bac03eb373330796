// `--any-kong-conf-key VALUE` on the daemons: everything commander did not recognise is read here
// as a kong.conf property, so the flag set can never fall behind the schema.
import { UsageError } from '../errors.js';

export function confFlags(rest: string[], known: (key: string) => boolean, suggest: (key: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const m = /^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new UsageError(`unexpected argument '${arg}'; kong.conf properties are given as --key-name VALUE`);
    const key = m[1]!.replace(/-/g, '_');
    if (!known(key)) {
      const s = suggest(key);
      throw new UsageError(`unknown option '--${m[1]}': no kong.conf property '${key}'${s ? `; did you mean --${s.replace(/_/g, '-')}?` : ''}`);
    }
    let value = m[2];
    if (value === undefined) {
      const next = rest[i + 1];
      if (next === undefined || /^--[a-z]/.test(next)) throw new UsageError(`option '--${m[1]}' needs a value (the kong.conf property ${key})`);
      value = next;
      i += 1;
    }
    out[key] = value;
  }
  return out;
}
