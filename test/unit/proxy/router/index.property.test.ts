// The host/path index must never change the answer: compare it with a plain scan of every
// sub-route in Kong's order, on random route sets and requests.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RouteRow } from '../../../../src/proxy/config.js';
import { Router } from '../../../../src/proxy/router/router.js';
import { compileMatcher, test as testMatcher } from '../../../../src/proxy/router/matcher.js';
import { compareSubRoutes, splitRoute } from '../../../../src/proxy/router/priority.js';
import { request } from './helpers.js';

function linearMatch(routes: RouteRow[], req: ReturnType<typeof request>): string | null {
  const subs = routes.flatMap(splitRoute).sort(compareSubRoutes);
  for (const [rank, sub] of subs.entries()) if (testMatcher(compileMatcher(sub, rank), req) >= 0) return sub.id;
  return null;
}

const segment = fc.constantFrom('a', 'ab', 'b', 'api', 'v1', 'x');
const prefixPath = fc.array(segment, { minLength: 0, maxLength: 3 }).chain((segs) =>
  fc.boolean().map((slash) => `/${segs.join('/')}${slash && segs.length ? '/' : ''}`));
const regexPath = fc.constantFrom('~/a/\\w+', '~/api/v\\d', '~/b$', '~/(a|b)/x');
const host = fc.constantFrom('a.test', 'b.test', '*.test', 'api.*', 'a.test:9000');
const hexId = fc.stringMatching(/^[0-9a-f]{8}$/).map((h) => `${h}-0000-4000-8000-000000000000`);

const routeArb = fc.record({
  id: hexId,
  hosts: fc.option(fc.array(host, { minLength: 1, maxLength: 2 }), { nil: null }),
  paths: fc.option(fc.array(fc.oneof(prefixPath, regexPath), { minLength: 1, maxLength: 3 }), { nil: null }),
  methods: fc.option(fc.constant<string[]>(['GET']), { nil: null }),
  headers: fc.option(fc.constant<Record<string, string[]>>({ 'x-v': ['1', '~*^2'] }), { nil: null }),
  regex_priority: fc.integer({ min: 0, max: 3 }),
}).filter((r) => Boolean(r.hosts || r.paths || r.methods || r.headers)).map((r): RouteRow => ({ ...r, strip_path: true }));

const reqArb = fc.record({
  host: fc.constantFrom('a.test', 'b.test', 'c.test', 'api.org'),
  port: fc.constantFrom(8000, 9000),
  path: fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => `/${s.join('/')}`),
  method: fc.constantFrom('GET', 'POST'),
  headers: fc.constantFrom<Record<string, string>>({}, { 'x-v': '1' }, { 'x-v': '22' }),
});

describe('router index', () => {
  it('agrees with a linear scan in priority order', () => {
    fc.assert(fc.property(fc.uniqueArray(routeArb, { selector: (r) => r.id, maxLength: 25 }), fc.array(reqArb, { minLength: 1, maxLength: 20 }), (routes, reqs) => {
      const router = new Router(routes);
      for (const r of reqs) {
        const req = request(r);
        expect(router.match(req)?.matchId ?? null).toBe(linearMatch(routes, req));
      }
    }), { numRuns: 300 });
  });
});
