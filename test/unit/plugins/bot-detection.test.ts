// bot-detection, ported from Kong's spec/03-plugins/21-bot-detection/{01-access,03-api}_spec.lua
// (each case names its it()), plus the PCRE translation the allow/deny patterns go through.
import { describe, expect, it } from 'vitest';
import { useCluster } from './harness.js';
import { botDetection } from '../../../src/plugins/bot-detection/index.js';
import { compilePcre } from '../../../src/plugins/bot-detection/pcre.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';

const HELLOWORLD = 'HelloWorld';
const FACEBOOK = 'facebookexternalhit/1.1';
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/50.0.2661.102 Safari/537.36';
const GOOGLEBOT = 'Googlebot/2.1 (+http://www.google.com/bot.html)';

function routed(): Record<string, unknown> {
  return {
    services: [{
      name: 'svc',
      routes: [
        { name: 'bot', hosts: ['bot.test'], plugins: [{ name: 'bot-detection', config: {} }] },
        { name: 'bot2', hosts: ['bot2.test'], plugins: [{ name: 'bot-detection', config: { deny: [HELLOWORLD] } }] },
        { name: 'bot3', hosts: ['bot3.test'], plugins: [{ name: 'bot-detection', config: { allow: [FACEBOOK] } }] },
        { name: 'bot4', hosts: ['bot4.test'], plugins: [{ name: 'bot-detection', config: { allow: ['^Good'], deny: ['Good', '^curl/'] } }] },
      ],
    }],
  };
}

function global(): Record<string, unknown> {
  return { plugins: [{ name: 'bot-detection' }], services: [{ name: 'svc', routes: [{ name: 'any', hosts: ['bot.test'] }] }] };
}

interface Req {
  host: string;
  ua?: string | string[];
  status: number;
  message?: string;
}

/** One Kong it() may send several requests. */
interface Case {
  it: string;
  requests: Req[];
}

const one = (it: string, host: string, ua: string | string[] | undefined, status: number, message?: string): Case => ({ it, requests: [{ host, ua, status, message }] });

const REGULAR: Case = {
  it: 'allows regular requests',
  requests: [undefined, CHROME, HELLOWORLD, 'curl/7.43.0'].map((ua) => ({ host: 'bot.test', ua, status: 200 })),
};

const CASES: Case[] = [
  REGULAR,
  { it: 'blocks bots', requests: [GOOGLEBOT, FACEBOOK].map((ua) => ({ host: 'bot.test', ua, status: 403, message: 'Forbidden' })) },
  one('blocks denied user-agents', 'bot2.test', HELLOWORLD, 403, 'Forbidden'),
  one('allows allowed user-agents', 'bot3.test', FACEBOOK, 200),
  one('(hybridctl) an allowed user agent still meets the other bot rules', 'bot3.test', GOOGLEBOT, 403),
  one('(hybridctl) allow wins over deny', 'bot4.test', 'Goodbot', 200),
  one('(hybridctl) deny matches anywhere in the user agent', 'bot4.test', 'Not Good', 403),
  one('(hybridctl) surrounding whitespace does not hide a denied user agent', 'bot4.test', '  curl/8.0  ', 403),
  one('(hybridctl) HTTP client libraries are bots', 'bot.test', 'Go-http-client/1.1', 403),
  one('(hybridctl) a second User-Agent header is refused', 'bot.test', [CHROME, CHROME], 400, 'Only one User-Agent header allowed'),
  { it: '(hybridctl) a cached verdict is the same verdict', requests: [1, 2, 3].map(() => ({ host: 'bot.test', ua: GOOGLEBOT, status: 403 })) },
];

type Send = (o: { host: string; path: string; headers: Record<string, string | string[]> }) => Promise<{ status: number; body: string; headers: Record<string, unknown>; json(): any }>;

function run(h: () => { send: Send }, c: Case) {
  return async () => {
    for (const q of c.requests) {
      const r = await h().send({ host: q.host, path: '/request', headers: q.ua === undefined ? {} : { 'user-agent': q.ua } });
      expect(r.status, `${String(q.ua)}: ${r.body}`).toBe(q.status);
      // kong.response.error: Kong's message with the request id.
      if (q.message) expect(r.json()).toEqual({ message: q.message, request_id: r.headers['x-kong-request-id'] });
    }
  };
}

describe('bot-detection (spec/03-plugins/21-bot-detection/01-access_spec.lua)', () => {
  const h = useCluster(routed);
  for (const c of CASES) it(c.it, run(h, c));
});

describe('bot-detection configured global (spec/03-plugins/21-bot-detection/01-access_spec.lua)', () => {
  const h = useCluster(global);
  it(REGULAR.it, run(h, REGULAR));
  const blocked = one('(hybridctl) blocks bots on every route', 'bot.test', GOOGLEBOT, 403, 'Forbidden');
  it(blocked.it, run(h, blocked));
});

const BAD_REGEX = String.raw`(https?:\/\/.*`;

describe('bot-detection schema (spec/03-plugins/21-bot-detection/03-api_spec.lua)', () => {
  const cat = nodePlugins(new Map([[botDetection.name, botDetection]]), 'control_plane');
  it('fails when using a bad regex in allow', () => {
    expect(cat.check({ name: 'bot-detection', config: { allow: [BAD_REGEX] }, protocols: ['http'] }).errors).toEqual({ config: { allow: { 1: `not a valid regex: ${BAD_REGEX}` } } });
  });
  it('fails when using a bad regex in deny', () => {
    expect(cat.check({ name: 'bot-detection', config: { deny: [BAD_REGEX] }, protocols: ['http'] }).errors).toEqual({ config: { deny: { 1: `not a valid regex: ${BAD_REGEX}` } } });
  });
  it('(hybridctl) defaults to empty lists', () => {
    expect(validateConfig(botDetection.schema, {})).toMatchObject({ config: { allow: [], deny: [] }, errors: null });
  });
  it('(hybridctl) bot-detection cannot be scoped to a consumer', () => {
    expect(cat.check({ name: 'bot-detection', consumer: { id: '7b4d3a5e-1f2c-4a6b-9d8e-0c1b2a3f4e5d' }, config: {}, protocols: ['http'] }).errors).toEqual({ consumer: 'value must be null' });
  });
  it('(hybridctl) PCRE syntax JavaScript would read differently is refused, not misread', () => {
    for (const p of ['[[:alpha:]]+', '(?i)bot', 'a++', '(?>a)', String.raw`\h`, String.raw`\Qa.b\E`, '[]a]x[', String.raw`[\S]`, String.raw`\p{L}`, String.raw`(a)\2`, 'a{,3}']) {
      expect(validateConfig(botDetection.schema, { deny: [p] }).errors, p).toEqual({ deny: { 1: `not a valid regex: ${p}` } });
    }
  });
});

describe('(hybridctl) PCRE patterns as JavaScript regexes', () => {
  const m = (p: string, s: string) => compilePcre(p)!.test(s);
  it('(hybridctl) PCRE escapes keep their PCRE meaning', () => {
    expect(m(String.raw`^\s$`, '\u00a0')).toBe(false); // PCRE's \s is ASCII whitespace only
    expect(m(String.raw`^\s$`, '\t')).toBe(true);
    expect(m(String.raw`\Abot\z`, 'bot')).toBe(true);
    expect(m(String.raw`\Abot\z`, 'Abotz')).toBe(false);
    expect(m(String.raw`^\x41\x{42}\e$`, 'AB\u001b')).toBe(true);
    expect(m('[]x]', ']')).toBe(true);
    expect(m('(?P<name>bot)/1', 'bot/1')).toBe(true);
    expect(m(String.raw`(a)\1`, 'aa')).toBe(true);
  });
  it('(hybridctl) non-ASCII pattern characters match the header bytes', () => {
    // Node reads header values as latin1, one character per byte; Kong matches bytes.
    expect(m('é', Buffer.from('é', 'utf8').toString('latin1'))).toBe(true);
  });
});
