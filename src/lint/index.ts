// lint: every rule over one loaded configuration; findings sorted by line, then key.
import { ConfigError } from '../errors.js';
import { SCHEMA, findingLine, type Finding, type KongConf, type LoadedConf } from '../conf/index.js';
import { certFacts } from './certs.js';
import type { Hit, Rule, RuleContext } from './rule.js';
import { KONG_RULES } from './rules/kong.js';
import { PROXY_RULES } from './rules/proxy.js';
import { CERT_RULES } from './rules/certs.js';
import { KONG_VALUE_RULES } from './rules/kong-values.js';
import { sslListenerCerts } from './rules/kong-ssl.js';
import { proxyCredentialsEncoding, proxyServerUnused } from './rules/proxy-credentials.js';
import { SHARED_RULES } from './rules/shared-mode.js';
import { pluginsInstalled, pluginsOffIgnored } from './rules/plugins.js';
import { POSTGRES_RULES } from './rules/postgres.js';

export type { Rule, RuleContext } from './rule.js';
export const RULES: readonly Rule[] = [...KONG_RULES, ...KONG_VALUE_RULES, ...POSTGRES_RULES, sslListenerCerts, ...PROXY_RULES, proxyCredentialsEncoding, proxyServerUnused, ...SHARED_RULES, ...CERT_RULES, pluginsInstalled, pluginsOffIgnored];

function unknownKeys(loaded: LoadedConf): Finding[] {
  return loaded.unknown.map((u) =>
    u.key === 'proxy_server_tls_verify'
      ? { severity: 'warning', key: u.key, line: u.line, rule: 'proxy-server-tls-verify-typo', message: "proxy_server_tls_verify is not a Kong property (the misspelling appears in Kong's own docs); Kong ignores it", hint: 'use proxy_server_ssl_verify' }
      : { severity: 'warning', key: u.key, line: u.line, rule: 'unknown-key', message: `unknown property ${u.key.length > 60 ? `${u.key.slice(0, 57)}...` : u.key}; Kong ignores it${u.suggestion ? `: did you mean ${u.suggestion}?` : ''}` },
  );
}

/** The rule context with `conf` replaced, recording which keys the rule read. */
function tracked(ctx: RuleContext, conf: KongConf): { ctx: RuleContext; read: Set<string> } {
  const read = new Set<string>();
  const seen = new Proxy(conf, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { ctx: { ...ctx, conf: seen, loaded: { ...ctx.loaded, conf: seen }, isSet: (k) => (read.add(k), ctx.isSet(k)) }, read };
}

/**
 * A refused enum value is typed as its default, a stand-in the operator never wrote. A rule that
 * read such a key keeps only the hits it gives whatever the value is (tried with every allowed
 * one); the others would judge the stand-in and are knock-on noise after the enum error.
 */
function checkRule(rule: Rule, ctx: RuleContext, standIns: readonly string[]): Hit[] {
  const first = tracked(ctx, ctx.conf);
  let hits = rule.check(first.ctx);
  for (const key of standIns) {
    if (!first.read.has(key)) continue;
    for (const value of SCHEMA[key]?.values ?? []) {
      const variant = rule.check(tracked(ctx, { ...ctx.conf, [key]: value }).ctx).map((h) => h.message);
      hits = hits.filter((h) => variant.includes(h.message));
    }
  }
  return hits;
}

export function lintConf(loaded: LoadedConf, opts: { now?: Date; skip?: (rule: Rule) => boolean } = {}): Finding[] {
  const base: RuleContext = {
    loaded,
    conf: loaded.conf,
    now: opts.now ?? new Date(),
    isSet: (k) => (loaded.entries.get(k)?.source ?? 'default') !== 'default',
    certs: certFacts(loaded.conf),
  };
  const standIns = loaded.problems.filter((p) => p.rule === 'enum-value' && p.key in loaded.conf).map((p) => p.key);
  const findings: Finding[] = [...loaded.problems, ...unknownKeys(loaded)];
  for (const rule of RULES) {
    if (opts.skip?.(rule)) continue;
    for (const hit of checkRule(rule, base, standIns)) {
      const key = hit.key ?? rule.keys[0]!;
      findings.push({ severity: hit.severity ?? rule.severity, key, line: loaded.entries.get(key)?.line ?? null, rule: rule.id, message: hit.message, ...(hit.hint ? { hint: hit.hint } : {}) });
    }
  }
  const order = (l: number | null) => (l === null ? Number.MAX_SAFE_INTEGER : l);
  return findings.sort((a, b) => order(a.line) - order(b.line) || a.key.localeCompare(b.key));
}

/**
 * The daemons refuse to start on any error, with two exceptions for hybridctl's own daemons: its CP
 * generates a cluster pair when none is set, and its DP is always database-less, so a defaulted
 * database is not an error there. A CP with database = off is still refused, as Kong refuses it.
 */
export function daemonFindings(loaded: LoadedConf, role: 'control_plane' | 'data_plane', now?: Date): Finding[] {
  const defaulted = (k: string) => (loaded.entries.get(k)?.source ?? 'default') === 'default';
  return lintConf(loaded, { now, skip: (r) => role === 'control_plane' && r.id === 'hybrid-cert-required' }).filter(
    (f) => !(role === 'data_plane' && f.key === 'database' && f.rule === 'data-plane-requirements' && defaulted('database')),
  );
}

export function assertDaemonConf(loaded: LoadedConf, role: 'control_plane' | 'data_plane'): KongConf {
  const findings = daemonFindings(loaded, role).filter((f) => f.severity === 'error');
  if (findings.length > 0) {
    throw new ConfigError(
      `the configuration${loaded.path ? ` in ${loaded.path}` : ''} has ${findings.length} error${findings.length > 1 ? 's' : ''}`,
      findings.map((f) => findingLine(f)),
      // lint reads the file and KONG_* but not a daemon's flags: it only helps when there is a file.
      loaded.path ? { hint: `run hybridctl lint ${loaded.path} --role ${role === 'control_plane' ? 'cp' : 'dp'} for the warnings too` } : {},
    );
  }
  return loaded.conf;
}
