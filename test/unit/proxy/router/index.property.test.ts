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

describe('router updated in place', () => {
  const opArb = fc.oneof(
    routeArb.map((route) => ({ kind: 'upsert' as const, route })),
    fc.nat(30).map((n) => ({ kind: 'remove' as const, n })),
  );

  it('answers as a router built from scratch on the resulting routes, after every batch', () => {
    fc.assert(fc.property(
      fc.uniqueArray(routeArb, { selector: (r) => r.id, maxLength: 20 }),
      fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
      fc.array(reqArb, { minLength: 1, maxLength: 12 }),
      (start, batches, reqs) => {
        const routes = new Map(start.map((r) => [r.id, r]));
        const router = new Router(start);
        for (const batch of batches) {
          const removed = new Set<string>();
          const added = new Map<string, RouteRow>();
          for (const op of batch) {
            if (op.kind === 'upsert') {
              removed.add(op.route.id);
              added.set(op.route.id, op.route);
              routes.set(op.route.id, op.route);
            } else {
              const id = [...routes.keys()][op.n % Math.max(1, routes.size)];
              if (!id) continue;
              routes.delete(id);
              added.delete(id);
              removed.add(id);
            }
          }
          router.update(removed, [...added.values()]);
          const fresh = new Router([...routes.values()]);
          expect(router.size).toBe(fresh.size);
          for (const r of reqs) {
            const req = request(r);
            expect(router.match(req)?.matchId ?? null).toBe(fresh.match(req)?.matchId ?? null);
          }
        }
      },
    ), { numRuns: 300 });
  });

  it('keeps Kong\'s order when many routes land between the same two neighbours (ranks renumbered)', () => {
    const id = (n: number) => `${n.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    // Two routes whose priorities differ only in prefix length; every added one sits between them.
    const routes: RouteRow[] = [
      { id: id(1), paths: ['/a'], strip_path: true },
      { id: id(2), paths: ['/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/7/8/9/'], strip_path: true },
    ];
    const router = new Router(routes);
    for (let n = 100; n < 160; n++) {
      const route: RouteRow = { id: id(n), paths: ['/a/b/c'], strip_path: true };
      routes.push(route);
      router.update([], [route]);
    }
    const fresh = new Router(routes);
    for (const path of ['/a', '/a/b/c', '/a/b/c/d', '/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2/3/4/5/6/7/8/9/x']) {
      const req = request({ host: 'a.test', port: 8000, path, method: 'GET', headers: {} });
      expect(router.match(req)?.matchId).toBe(fresh.match(req)?.matchId);
    }
    // Equal priorities are ordered by id descending: the highest id added wins /a/b/c.
    expect(router.match(request({ host: 'a.test', port: 8000, path: '/a/b/c', method: 'GET', headers: {} }))?.matchId).toBe(id(159));
  });
});
