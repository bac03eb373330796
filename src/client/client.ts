// A client that talks to the Admin API as go-kong does (kong/client.go, kong/list.go, kong/response.go)
// and records every request, and decK's dump built on it (go-database-reconciler pkg/dump/dump.go).
import { RuntimeError } from '../errors.js';
import { DUMP_LISTS, DUMP_PAGE_SIZE, GO_KONG_FIELDS, FOREIGN, type Kind } from './calls.js';

type Row = Record<string, unknown>;

export interface Call {
  method: string;
  /** Path and query as sent. */
  url: string;
  status: number;
}

/** An Admin API answer of 400 or more; the CP's own message is the useful part. */
export class ApiError extends RuntimeError {
  constructor(readonly call: Call, readonly body: unknown) {
    const message = (body as { message?: unknown } | null)?.message;
    super(`${call.method} ${call.url}: HTTP ${call.status}: ${typeof message === 'string' ? message : JSON.stringify(body)}`);
  }
}

/** No answer at all (refused, reset, DNS): one state however the socket failed. */
export class UnreachableError extends RuntimeError {}

export class AdminClient {
  readonly calls: Call[] = [];
  /** token: Kong's Admin API token header, for a CP behind one; never logged or printed. */
  constructor(readonly base: string, private readonly token?: string) {}

  /** kong/client.go Do: JSON in and out; any status of 400 or more is an error (kong/response.go hasError). */
  async do(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await fetch(this.base + url, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.token ? { 'Kong-Admin-Token': this.token } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // An unreachable CP is the world in the way, not a bug: one line naming the address.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new UnreachableError(`cannot reach the Admin API at ${this.base}: ${why}`, { hint: 'start it (hybridctl cp run) or point --cp / HYBRIDCTL_CP at it' });
    }
    const text = await res.text();
    const call = { method, url, status: res.status };
    this.calls.push(call);
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new RuntimeError(`${method} ${this.base}${url}: HTTP ${res.status}, not a JSON answer; is this a Kong Admin API?`);
    }
    if (res.status >= 400) throw new ApiError(call, json);
    return { status: res.status, json };
  }

  /**
   * kong/list.go list + constructQueryString: `size`, `offset` and `tags` (joined with `,`, MatchAllTags),
   * following the answer's `offset` (never `next`) until it is absent.
   */
  async listAll(path: string, tags: string[], size = DUMP_PAGE_SIZE): Promise<Row[]> {
    const out: Row[] = [];
    let offset: string | undefined;
    do {
      // go-querystring through url.Values.Encode: keys sorted, `,` escaped as %2C.
      const q = new URLSearchParams();
      if (offset) q.set('offset', offset);
      q.set('size', String(size));
      if (tags.length) q.set('tags', tags.join(','));
      const { json } = await this.do('GET', `${path}?${q.toString()}`);
      const page = json as { data: Row[]; offset?: string | null };
      out.push(...page.data);
      offset = page.offset ?? undefined;
    } while (offset);
    return out;
  }
}

export type State = Record<Kind, Row[]>;

export const emptyState = (): State => ({
  certificates: [], consumers: [], snis: [], services: [], upstreams: [], keyauth_credentials: [], basicauth_credentials: [],
  hmacauth_credentials: [], jwt_secrets: [], acls: [], routes: [], targets: [], plugins: [],
});

/**
 * A row as decK holds it after json.Unmarshal into go-kong's struct: only the struct's fields, null
 * as absent (a nil pointer), foreign keys reduced to their id. `[]` and `{}` stay: Go decodes them
 * to empty, non-nil values that reflect.DeepEqual tells from nil.
 */
export function asGoKong(kind: Kind, r: Row): Row {
  const out: Row = {};
  for (const f of GO_KONG_FIELDS[kind]) {
    const v = r[f];
    if (v === null || v === undefined) continue;
    // A plugin's config is a map[string]interface{}: its nulls are values; elsewhere a struct's nil pointers.
    out[f] = FOREIGN[kind]?.includes(f) ? { id: (v as Row).id } : f === 'config' ? v : withoutNulls(v);
  }
  return out;
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
}

export interface DumpOptions {
  selectTags: string[];
  /** decK always asks for 1000; a smaller page makes the replay walk several pages. */
  pageSize?: number;
}

/** pkg/dump/dump.go Get, for Kong (not Konnect): every list in order, tolerated statuses as "none". */
export async function dump(client: AdminClient, o: DumpOptions): Promise<State> {
  const state = emptyState();
  for (const l of DUMP_LISTS) {
    if (l.kind === 'consumer_groups') await client.do('GET', '/');
    let rows: Row[];
    try {
      rows = await client.listAll(l.path, l.untagged ? [] : o.selectTags, o.pageSize);
    } catch (err) {
      if (err instanceof ApiError && l.tolerated.includes(err.call.status)) continue;
      throw err;
    }
    if (!(l.kind in state)) {
      if (rows.length) throw new Error(`${l.path} listed ${rows.length} entities hybridctl does not have`);
      continue;
    }
    const kind = l.kind as Kind;
    // GetAllCertificates drops the certificate's snis: decK keeps SNIs as entities of their own.
    state[kind] = rows.map((r) => asGoKong(kind, kind === 'certificates' ? { ...r, snis: null } : r));
    if (kind === 'upstreams') {
      for (const u of state.upstreams) {
        const targets = await client.listAll(`/upstreams/${String(u.id)}/targets`, o.selectTags, o.pageSize);
        state.targets.push(...targets.map((t) => asGoKong('targets', t)));
      }
    }
  }
  return state;
}
