// acl (Kong 3.10 kong/plugins/acl): allow or deny by group, the groups being the authenticated
// consumer's acls rows, or the groups another plugin put in kong.ctx.shared.authenticated_groups.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { ConfigTable } from '../../proxy/config.js';
import type { Row } from '../../entities/index.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { arr, bool, str } from '../schema/types.js';
import { consumerIdOf } from '../auth-common.js';

interface Conf {
  hide_groups_header: boolean;
  always_use_authenticated_groups: boolean;
  /** DENY when `deny` has an element, else ALLOW (with the allow list). */
  deny: boolean;
  groups: readonly string[];
}

interface Groups {
  set: ReadonlySet<string>;
  /** The upstream header value: every group, in the order the config lists them. */
  joined: string;
}

const FORBIDDEN = 'You cannot consume this service';

const toGroups = (list: readonly unknown[]): Groups => ({
  set: new Set(list.filter((g): g is string => typeof g === 'string')),
  joined: list.map((g) => String(g)).join(', '),
});

/** Kong's is_nonempty for entity checks: not null, not an empty array, not "". */
const nonEmpty = (v: unknown) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);

/** Consumer id → groups, from the acls rows (built once per config). */
function indexGroups(table: ConfigTable): Map<string, Groups> {
  const lists = new Map<string, string[]>();
  if (Array.isArray(table.acls)) {
    for (const row of table.acls as Row[]) {
      const id = consumerIdOf(row);
      if (!id || typeof row.group !== 'string') continue;
      let l = lists.get(id);
      if (!l) lists.set(id, (l = []));
      l.push(row.group);
    }
  }
  return new Map([...lists].map(([id, l]) => [id, toGroups(l)]));
}

/** kong.ctx.shared.authenticated_groups when another plugin set a list (any non-list is ignored). */
function authenticatedGroups(kong: Kong): Groups | null {
  const g = kong.ctx.shared.authenticated_groups;
  if (Array.isArray(g)) return toGroups(g);
  // A Lua table without an array part: a list of no groups.
  return typeof g === 'object' && g !== null ? toGroups([]) : null;
}

/** The header value when allowed, null when blocked. */
function decide(conf: Conf, groups: Groups): string | null {
  const inGroup = conf.groups.some((g) => groups.set.has(g));
  return conf.deny === inGroup ? null : groups.joined;
}

/** Kong's 401 when nobody was identified, 403 when a credential was. */
function unidentified(kong: Kong): void {
  if (kong.client.getCredential()) kong.response.error(403, FORBIDDEN);
  else kong.response.error(401);
}

function credentialConsumerId(cred: Row | null): string | null {
  const v = cred?.consumer_id;
  return typeof v === 'string' ? v : null;
}

export const acl: PluginModule<Conf, Map<string, Groups>> = {
  name: 'acl',
  version: KONG_PROTOCOL_VERSION,
  priority: 950,
  schema: {
    noConsumer: true,
    fields: [
      ['allow', arr(str())],
      ['deny', arr(str())],
      ['hide_groups_header', bool({ required: true, default: false })],
      ['always_use_authenticated_groups', bool({ required: true, default: false })],
    ],
    entityChecks: [
      (c) => ([c.allow, c.deny].filter(nonEmpty).length === 1 ? null : { entity: "exactly one of these fields must be non-empty: 'config.allow', 'config.deny'" }),
      (c) => (nonEmpty(c.allow) || nonEmpty(c.deny) ? null : { entity: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" }),
    ],
  },
  compile: (config) => {
    const deny = Array.isArray(config.deny) && config.deny.length > 0;
    return {
      hide_groups_header: config.hide_groups_header === true,
      always_use_authenticated_groups: config.always_use_authenticated_groups === true,
      deny,
      groups: ((deny ? config.deny : config.allow) as string[] | null) ?? [],
    };
  },
  prepare: indexGroups,
  access(kong, conf) {
    const consumer = kong.client.getConsumer();
    const credential = kong.client.getCredential();
    const consumerId = (typeof consumer?.id === 'string' ? consumer.id : null) ?? credentialConsumerId(credential);
    let groups: Groups | null = null;
    let header = 'X-Consumer-Groups';
    // Authenticated groups stand in for an anonymous consumer's (or always, when configured).
    if (!consumerId || !credential || conf.always_use_authenticated_groups) groups = authenticatedGroups(kong);
    if (groups) header = 'X-Authenticated-Groups';
    else if (!consumerId) return unidentified(kong);
    else {
      groups = (kong.data as Map<string, Groups>).get(consumerId) ?? null;
      if (!groups) {
        if (!conf.deny) return unidentified(kong);
        groups = toGroups([]);
      }
    }
    const value = decide(conf, groups);
    if (value === null) return kong.response.error(403, FORBIDDEN);
    if (!conf.hide_groups_header) kong.service.request.setHeader(header, value);
  },
};
