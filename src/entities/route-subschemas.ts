// Kong's route subschemas (kong/db/schema/entities/routes_subschemas.lua), picked by the first of a
// route's protocols: grpc routes default to strip_path false and refuse methods, stream routes refuse
// HTTP matching fields, HTTP routes refuse sources and destinations; plus the protocols field's
// mutually_exclusive_subsets.
type Row = Record<string, unknown>;

const SUBSETS = [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs']];

const KIND: Record<string, 'http' | 'stream' | 'grpc'> = { http: 'http', https: 'http', tcp: 'stream', tls: 'stream', udp: 'stream', tls_passthrough: 'stream', grpc: 'grpc', grpcs: 'grpc' };

const NOT_HERE: Record<'http' | 'stream' | 'grpc', { fields: string[]; where: string }> = {
  http: { fields: ['sources', 'destinations'], where: "'http' or 'https'" },
  stream: { fields: ['methods', 'hosts', 'paths', 'headers'], where: "'tcp', 'tls', 'tls_passthrough' or 'udp'" },
  grpc: { fields: ['methods', 'sources', 'destinations'], where: "'grpc' or 'grpcs'" },
};

const nonEmpty = (v: unknown) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** protocols: Kong's "these sets are mutually exclusive" message, or null. */
export function protocolSubsetsError(protocols: unknown): string | null {
  if (!Array.isArray(protocols)) return null;
  const member: string[][] = [];
  for (const p of protocols) {
    const s = SUBSETS.find((x) => x.includes(p as string));
    if (s && !member.includes(s)) member.push(s);
  }
  return member.length <= 1 ? null : `these sets are mutually exclusive: ${member.map((s) => `(${s.map((x) => `'${x}'`).join(', ')})`).join(', ')}`;
}

/** Defaults the subschema changes, for fields the input did not give (create only). */
export function routeSubschemaDefaults(merged: Row, given: Row, creating: boolean): void {
  const first = Array.isArray(merged.protocols) ? (merged.protocols[0] as string) : undefined;
  if (creating && first && KIND[first] === 'grpc' && given.strip_path === undefined) merged.strip_path = false;
}

/** Field errors and entity-check messages of the subschema the route's first protocol selects. */
export function routeSubschemaChecks(merged: Row): { fields: Record<string, string>; entity: string[] } {
  const fields: Record<string, string> = {};
  const entity: string[] = [];
  const protocols = Array.isArray(merged.protocols) ? (merged.protocols as string[]) : [];
  const kind = KIND[protocols[0] ?? ''];
  if (!kind) return { fields, entity };
  const rule = NOT_HERE[kind];
  for (const f of rule.fields) if (merged[f] !== null && merged[f] !== undefined) fields[f] = `cannot set '${f}' when 'protocols' is ${rule.where}`;
  if (kind === 'grpc') {
    if (merged.strip_path === true) fields.strip_path = "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'";
    const secure = protocols.includes('grpcs');
    const need = secure ? ['hosts', 'headers', 'paths', 'snis'] : ['hosts', 'headers', 'paths'];
    if (!need.some((k) => nonEmpty(merged[k]))) entity.push(`must set one of ${need.map((k) => `'${k}'`).join(', ')} when 'protocols' is '${secure ? 'grpcs' : 'grpc'}'`);
  }
  if (kind === 'stream') {
    if (protocols.some((p) => p === 'tcp' || p === 'tls' || p === 'udp') && !['sources', 'destinations', 'snis'].some((k) => nonEmpty(merged[k]))) {
      entity.push("must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'");
    }
    if (protocols.includes('tls_passthrough') && !nonEmpty(merged.snis)) entity.push("must set snis when 'protocols' is 'tls_passthrough'");
  }
  return { fields, entity };
}
