// Kong fills a record field given in part: every sub-field left out keeps its default on insert
// (process_auto_fields) or its stored value on update (merge_values), at every depth.
type Row = Record<string, unknown>;

const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `given` over `under`, objects merged key by key; arrays and scalars replace. */
export function mergeRecord(under: unknown, given: unknown): unknown {
  if (!isObject(under) || !isObject(given)) return structuredClone(given);
  const out: Row = structuredClone(under);
  for (const [k, v] of Object.entries(given)) out[k] = Object.hasOwn(out, k) ? mergeRecord(out[k], v) : structuredClone(v);
  return out;
}

/** Only records whose schema default spells out their structure (upstreams.healthchecks) are filled. */
export const fillsRecord = (f: { type: string; default?: unknown }): boolean => f.type === 'record' && isObject(f.default) && Object.keys(f.default).length > 0;

/**
 * A foreign key as Kong's schema checks it (validate_primary_key, then the referenced schema): a valid
 * `id`, or unique fields of the referenced entity the Admin API resolves; anything else is refused.
 */
export function checkForeignKey<F extends { unique?: boolean }>(v: Row, referenced: { fields: Record<string, F> } | undefined, uuid: RegExp, check: (f: F, value: unknown) => unknown): unknown {
  if ('id' in v) {
    if (typeof v.id !== 'string') return { id: 'expected a string' };
    if (uuid.test(v.id)) return null;
  }
  // Without a usable id Kong checks the value as the referenced entity (partially), then wants a key.
  const fields = referenced?.fields ?? {};
  const errs: Row = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'id') errs.id = 'expected a valid UUID';
    else if (!Object.hasOwn(fields, k)) errs[k] = 'unknown field';
    else if (x !== null) {
      const e = check(fields[k]!, x);
      if (e) errs[k] = e;
    }
  }
  if (Object.keys(errs).length) return errs;
  return Object.keys(v).some((k) => fields[k]?.unique && v[k] !== null) ? null : { id: 'missing primary key' };
}

/** Error tables as cjson writes them: a table of 1-based positions only is an array, holes as null. */
export function positionsToArrays(v: unknown): unknown {
  if (!isObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length > 0 && keys.every((k) => /^[1-9]\d*$/.test(k))) {
    const out: unknown[] = new Array(Math.max(...keys.map(Number))).fill(null);
    for (const k of keys) out[Number(k) - 1] = positionsToArrays(v[k]);
    return out;
  }
  return Object.fromEntries(keys.map((k) => [k, positionsToArrays(v[k])]));
}

/** typedefs.sources / destinations elements: { ip = ip_or_cidr, port = port }, at least one of them. */
export function checkIpPort(v: unknown, isIp: (s: string) => boolean): unknown {
  if (!isObject(v)) return 'expected a record';
  const errs: Row = {};
  for (const k of Object.keys(v)) if (k !== 'ip' && k !== 'port') errs[k] = 'unknown field';
  const { ip, port } = v;
  if (ip !== undefined && ip !== null) {
    if (typeof ip !== 'string') errs.ip = 'expected a string';
    else {
      const [addr, bits, more] = ip.split('/');
      const okBits = bits === undefined || (more === undefined && /^\d{1,3}$/.test(bits) && Number(bits) <= (addr!.includes(':') ? 128 : 32));
      if (!isIp(addr!) || !okBits) errs.ip = `invalid ip or cidr range: '${ip}'`;
    }
  }
  if (port !== undefined && port !== null) {
    if (typeof port !== 'number' || !Number.isInteger(port)) errs.port = 'expected an integer';
    else if (port < 0 || port > 65535) errs.port = 'value should be between 0 and 65535';
  }
  if (Object.keys(errs).length) return errs;
  return (ip ?? null) === null && (port ?? null) === null ? { '@entity': ["at least one of these fields must be non-empty: 'ip', 'port'"] } : null;
}
