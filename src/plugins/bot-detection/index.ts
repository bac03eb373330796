// bot-detection (Kong 3.10 kong/plugins/bot-detection/handler.lua): refuses requests whose
// User-Agent matches a deny pattern or a known bot, unless an allow pattern matches first.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { arr, str } from '../schema/types.js';
import { BOT_PATTERNS } from './rules.js';
import { compilePcre, regexMessage } from './pcre.js';

const enum Verdict { Pass, Allow, Deny, Bot }

/** Kong's per-config LRU of examined user agents. */
const CACHE_SIZE = 10_000;

interface Conf {
  allow: RegExp[];
  deny: RegExp[];
  cache: Map<string, Verdict>;
}

const compileAll = (patterns: readonly string[]): RegExp[] =>
  patterns.map((p) => {
    const re = compilePcre(p);
    // The schema refused these already; a miss here is a bug, not a pattern to skip silently.
    if (!re) throw new Error(`bot-detection: not a valid regex: ${p}`);
    return re;
  });

const BOTS = compileAll(BOT_PATTERNS);

// Kong strips Lua's %s characters.
const trim = (s: string) => s.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');

function examine(ua: string, conf: Conf): Verdict {
  const s = trim(ua);
  if (conf.allow.some((r) => r.test(s))) return Verdict.Allow;
  if (conf.deny.some((r) => r.test(s))) return Verdict.Deny;
  if (BOTS.some((r) => r.test(s))) return Verdict.Bot;
  return Verdict.Pass;
}

function verdict(ua: string, conf: Conf): Verdict {
  const cache = conf.cache;
  const hit = cache.get(ua);
  if (hit !== undefined) {
    cache.delete(ua);
    cache.set(ua, hit);
    return hit;
  }
  const v = examine(ua, conf);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(ua, v);
  return v;
}

const patterns = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export const botDetection: PluginModule<Conf> = {
  name: 'bot-detection',
  version: KONG_PROTOCOL_VERSION,
  priority: 2500,
  schema: {
    noConsumer: true,
    protocols: ['grpc', 'grpcs', 'http', 'https'],
    fields: [
      ['allow', arr(str({ check: regexMessage }), { default: [] })],
      ['deny', arr(str({ check: regexMessage }), { default: [] })],
    ],
  },
  compile: (c) => ({ allow: compileAll(patterns(c.allow)), deny: compileAll(patterns(c.deny)), cache: new Map() }),
  access(kong, conf) {
    const ua = kong.request.getHeaders()['user-agent'];
    if (Array.isArray(ua)) return kong.response.error(400, 'Only one User-Agent header allowed');
    if (ua === undefined) return;
    const v = verdict(ua, conf);
    if (v === Verdict.Deny || v === Verdict.Bot) kong.response.error(403);
  },
};
