// Kong's traditional_compatible matching rules, case by case (reference §7.4; Kong spec/01-unit/08-router_spec.lua).
import { describe, expect, it } from 'vitest';
import type { RouteRow } from '../../../../src/proxy/config.js';
import { Router } from '../../../../src/proxy/router/router.js';
import { normalizePath } from '../../../../src/proxy/router/normalize.js';
import { request, route } from './helpers.js';

type Req = Parameters<typeof request>[0];
interface Case { name: string; routes: Record<string, Partial<RouteRow>>; req: Req; want: string | null; consumed?: number }

// Route ids are derived from the key so that "ties by id" cases can be written by hand.
const idOf = (key: string) => `${Buffer.from(key).toString('hex').padEnd(8, '0').slice(0, 8)}-0000-4000-8000-000000000000`;

const cases: Case[] = [
  // hosts
  { name: 'exact host', routes: { a: { hosts: ['api.test'] } }, req: { host: 'api.test' }, want: 'a' },
  { name: 'exact host miss', routes: { a: { hosts: ['api.test'] } }, req: { host: 'web.test' }, want: null },
  { name: 'suffix wildcard', routes: { a: { hosts: ['*.api.test'] } }, req: { host: 'v1.api.test' }, want: 'a' },
  { name: 'suffix wildcard needs a label', routes: { a: { hosts: ['*.api.test'] } }, req: { host: 'api.test' }, want: null },
  { name: 'prefix wildcard', routes: { a: { hosts: ['api.*'] } }, req: { host: 'api.example.org' }, want: 'a' },
  { name: 'plain host beats wildcard', routes: { w: { hosts: ['*.test'] }, p: { hosts: ['api.test'] } }, req: { host: 'api.test' }, want: 'p' },
  { name: 'host:port matches the port', routes: { a: { hosts: ['api.test:8443'] }, b: { hosts: ['api.test:9000'] } }, req: { host: 'api.test', port: 8443 }, want: 'a' },
  { name: 'host:port other port falls through', routes: { a: { hosts: ['api.test:8443'] } }, req: { host: 'api.test', port: 8000 }, want: null },
  { name: 'hosts are ORed', routes: { a: { hosts: ['x.test', 'y.test'] } }, req: { host: 'y.test' }, want: 'a' },
  // paths
  { name: 'prefix path', routes: { a: { paths: ['/users'] } }, req: { path: '/users/42' }, want: 'a', consumed: 6 },
  { name: 'prefix is not segment-aware', routes: { a: { paths: ['/users'] } }, req: { path: '/usersX' }, want: 'a' },
  { name: 'longer prefix wins', routes: { s: { paths: ['/a'] }, l: { paths: ['/a/b'] } }, req: { path: '/a/b/c' }, want: 'l', consumed: 4 },
  { name: 'regex beats prefix of any length', routes: { p: { paths: ['/items/long/prefix'] }, r: { paths: ['~/items/\\w+'] } }, req: { path: '/items/long/prefix' }, want: 'r' },
  { name: 'regex is anchored', routes: { r: { paths: ['~/v\\d/x'] } }, req: { path: '/api/v1/x' }, want: null },
  { name: 'regex consumes the whole match', routes: { r: { paths: ['~/v\\d'] } }, req: { path: '/v2/users' }, want: 'r', consumed: 3 },
  { name: 'regex_priority orders regex routes', routes: { lo: { paths: ['~/a'], regex_priority: 1 }, hi: { paths: ['~/a/b'], regex_priority: 5 } }, req: { path: '/a/b' }, want: 'hi' },
  { name: 'PCRE named groups', routes: { r: { paths: ['~/u/(?P<id>\\d+)$'] } }, req: { path: '/u/12' }, want: 'r' },
  { name: 'query string is not part of the path', routes: { r: { paths: ['~/q$'] } }, req: { path: '/q' }, want: 'r' },
  { name: 'split route: regex part of a mixed route', routes: { m: { paths: ['/pre', '~/re\\d'] }, o: { paths: ['/re1/xyz'] } }, req: { path: '/re1/xyz' }, want: 'm' },
  { name: 'split route: short prefix part loses to a longer one', routes: { m: { paths: ['/p', '/other/long'] }, o: { paths: ['/p/q'] } }, req: { path: '/p/q' }, want: 'o' },
  // methods
  { name: 'method match', routes: { a: { methods: ['POST'] } }, req: { method: 'POST' }, want: 'a' },
  { name: 'method miss', routes: { a: { methods: ['POST'], paths: ['/'] } }, req: { method: 'GET' }, want: null },
  { name: 'more fields win (method + path over path)', routes: { p: { paths: ['/long/prefix'] }, mp: { methods: ['GET'], paths: ['/'] } }, req: { path: '/long/prefix' }, want: 'mp' },
  // headers
  { name: 'header value is case-insensitive', routes: { a: { headers: { 'x-version': ['V1'] } } }, req: { headers: { 'X-Version': 'v1' } }, want: 'a' },
  { name: 'header values are ORed', routes: { a: { headers: { 'x-v': ['1', '2'] } } }, req: { headers: { 'x-v': '2' } }, want: 'a' },
  { name: 'headers are ANDed', routes: { a: { headers: { 'x-a': ['1'], 'x-b': ['2'] } } }, req: { headers: { 'x-a': '1' } }, want: null },
  { name: 'header regex value', routes: { a: { headers: { 'x-v': ['~*^v2'] } } }, req: { headers: { 'x-v': 'V2-beta' } }, want: 'a' },
  { name: 'any of several header values', routes: { a: { headers: { 'x-v': ['b'] } } }, req: { headers: { 'x-v': ['a', 'b'] } }, want: 'a' },
  { name: 'more headers win', routes: { one: { headers: { 'x-a': ['1'] } }, two: { headers: { 'x-a': ['1'], 'x-b': ['2'] } } }, req: { headers: { 'x-a': '1', 'x-b': '2' } }, want: 'two' },
  // ties
  { name: 'tie broken by id descending', routes: { aa: { paths: ['/t'] }, zz: { paths: ['/t'] } }, req: { path: '/t' }, want: 'zz' },
  { name: 'no route at all', routes: {}, req: {}, want: null },
];

describe('router matching', () => {
  it.each(cases)('$name', ({ routes, req, want, consumed }) => {
    const rows = Object.entries(routes).map(([key, f]) => route({ ...f, id: idOf(key) }));
    const router = new Router(rows);
    const hit = router.match(request(req));
    const byId = new Map(Object.keys(routes).map((k) => [idOf(k), k]));
    expect(hit ? byId.get(hit.route.id) : null).toBe(want);
    if (consumed !== undefined) expect(hit?.consumed).toBe(consumed);
  });

  it('finds the right route among 10,000 by host and by path', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      route({ id: idOf(`r${i}`), ...(i % 2 ? { paths: [`/svc${i}`] } : { hosts: [`h${i}.test`] }) }));
    const router = new Router(rows);
    expect(router.match(request({ path: '/svc9999/x' }))?.route.id).toBe(idOf('r9999'));
    expect(router.match(request({ host: 'h5000.test', path: '/svc1' }))?.route.id).toBe(idOf('r5000'));
    expect(router.match(request({ path: '/nothing' }))).toBeNull();
  });
});

describe('normalizePath', () => {
  it.each([
    ['/a/b', '/a/b'],
    ['/a//b', '/a/b'],
    ['/a/./b/../c', '/a/c'],
    ['/%7Euser/%2f', '/~user/%2F'],
    ['/a/..', '/'],
    ['/x/%41', '/x/A'],
  ])('%s → %s', (input, want) => expect(normalizePath(input)).toBe(want));
});
