// Cases ported as data from Kong's own specs (traditional_compatible flavour):
//   R = spec/01-unit/08-router_spec.lua, U = spec/01-unit/18-tools_uri_spec.lua.
// `select` cases give the router the path as is (Kong's router:select does not normalize);
// `exec` cases go through normalize → match → upstream path → escape, as router:exec and the runloop do.
import { describe, expect, it } from 'vitest';
import type { RouteRow } from '../../../../src/proxy/config.js';
import { Router } from '../../../../src/proxy/router/router.js';
import { escapeUpstream, normalizePath } from '../../../../src/proxy/router/normalize.js';
import { upstreamPath } from '../../../../src/proxy/router/uri.js';
import { request, route } from './helpers.js';

const R = 'spec/01-unit/08-router_spec.lua';
const U = 'spec/01-unit/18-tools_uri_spec.lua';
const id = (n: number) => `e8fb37f1-102d-461e-9c51-6608a6bb81${String(n).padStart(2, '0')}`;

// 08-router_spec.lua use cases 9, 10 and 15 ("headers (single)", "(multiple)", "(regex)").
const headerRoutes: RouteRow[] = [
  route({ id: id(9), headers: { location: ['my-location-1', 'my-location-2'] } }),
  route({ id: id(10), headers: { location: ['my-location-1'], version: ['v1', 'v2'] } }),
  route({ id: id(15), headers: { user_agent: ['~*windows|linux|os\\s+x\\s*[\\d\\._]+|solaris|bsd'] } }),
];
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.116 Safari/537.36';

interface HeaderCase { spec: string; it: string; headers: Record<string, string | string[]>; want: number | null }
const headerCases: HeaderCase[] = [
  { spec: R, it: 'single [headers] value', headers: { location: 'my-location-1' }, want: 9 },
  { spec: R, it: 'single [headers] value', headers: { location: 'my-location-2' }, want: 9 },
  { spec: R, it: 'single [headers] value', headers: { location: ['my-location-3', 'my-location-2'] }, want: 9 },
  { spec: R, it: 'single [headers] value', headers: { location: 'my-location-3' }, want: null },
  { spec: R, it: 'single [headers] value', headers: { location: ['my-location-3', 'foo'] }, want: null },
  // The route says user_agent; through nginx the request header is User-Agent.
  { spec: R, it: 'single [headers] value', headers: { 'User-Agent': UA }, want: 15 },
  { spec: R, it: 'multiple [headers] values', headers: { location: 'my-location-1', version: 'v1' }, want: 10 },
  { spec: R, it: 'multiple [headers] values', headers: { location: 'my-location-1', version: 'v2' }, want: 10 },
  { spec: R, it: 'multiple [headers] values', headers: { location: ['my-location-3', 'my-location-1'], version: 'v2' }, want: 10 },
  { spec: R, it: 'multiple [headers] values', headers: { location: ['my-location-3', 'my-location-2'], version: 'v2' }, want: 9 },
];

describe('Kong router spec: headers', () => {
  const router = new Router(headerRoutes);
  it.each(headerCases)('$it ($headers)', ({ headers, want }) => {
    expect(router.match(request({ headers }))?.route.id ?? null).toBe(want === null ? null : id(want));
  });

  // R "should always add lower() when matching http.headers.*": the expression is
  // any(lower(http.headers.test)) ~ "quote" for "~*Quote" — both sides lower-cased.
  it.each([['QUOTE', true], ['a quote', true], ['Quote', true], ['other', false]] as const)(
    'should always add lower() when matching http.headers.* (%s)', (value, hit) => {
      const r = new Router([route({ id: id(1), methods: ['GET'], headers: { test: ['~*Quote'] } })]);
      expect(r.match(request({ headers: { Test: value } })) !== null).toBe(hit);
    });
});

interface PathCase { spec: string; it: string; path: string; want: number | null }
// R "normalization stopgap measurements": route paths are never normalized.
const stopgapRoutes = [
  route({ id: id(0), paths: ['/plain/a.b.c'] }),
  route({ id: id(1), paths: ['/plain/a.b%58c'] }),
  route({ id: id(2), paths: ['~/reg%65x/\\d+'] }),
  route({ id: id(3), paths: ['~/regex-meta/%5Cd\\+%2E'] }),
  route({ id: id(4), paths: ['~/regex-reserved%2Fabc'] }),
];
const stopgap: PathCase[] = [
  { spec: R, it: 'matches against plain text paths', path: '/plain/a.b.c', want: 0 },
  { spec: R, it: 'matches against plain text paths', path: '/plain/a.bXc', want: null },
  { spec: R, it: 'matches against plain text paths', path: '/plain/a.b%58c', want: 1 },
  { spec: R, it: 'matches against plain text paths', path: '/plain/aab.c', want: null },
  { spec: R, it: 'matches against regex paths', path: '/regex/123', want: null },
  { spec: R, it: 'matches against regex paths', path: '/reg%65x/123', want: 2 },
  { spec: R, it: 'matches against regex paths', path: '/regex/\\d+', want: null },
  { spec: R, it: 'escapes meta character after percent decoding from regex paths', path: '/regex-meta/123a', want: null },
  { spec: R, it: 'escapes meta character after percent decoding from regex paths', path: '/regex-meta/\\d+.', want: null },
  { spec: R, it: 'escapes meta character after percent decoding from regex paths', path: '/regex-meta/%5Cd+%2E', want: 3 },
  { spec: R, it: 'leave reserved characters alone in regex paths', path: '/regex-reserved/abc', want: null },
  { spec: R, it: 'leave reserved characters alone in regex paths', path: '/regex-reserved%2Fabc', want: 4 },
];

describe('Kong router spec: normalization stopgap measurements (select)', () => {
  const router = new Router(stopgapRoutes);
  it.each(stopgap)('$it: $path', ({ path, want }) => {
    expect(router.match(request({ path }))?.route.id ?? null).toBe(want === null ? null : id(want));
  });
});

interface ExecCase { spec: string; it: string; route: Partial<RouteRow>; path: string; upstream: string; prefix?: string; consumed?: string }
const execCases: ExecCase[] = [
  { spec: R, it: 'allows url encoded paths if they are reserved characters', route: { paths: ['/endel%2Fst'], strip_path: false }, path: '/endel%2Fst', upstream: '/endel%2Fst' },
  { spec: R, it: 'strips url encoded paths', route: { paths: ['/endel%2Fst'], strip_path: true }, path: '/endel%2Fst', upstream: '/', prefix: '/endel%2Fst' },
  // Kong asserts uri_captures[0] == "/users/john doe/profile": the regex saw the decoded path.
  // The upstream path is the same path escaped again, as runloop/handler.lua forwards it.
  { spec: R, it: 'returns uri_captures normalized, fix #7913', route: { paths: ['~/users/(?P<fullname>[a-zA-Z\\s\\d%]+)/profile/?(?P<scope>[a-z]*)'], strip_path: false }, path: '/users/%6aohn%20doe/profile', upstream: '/users/john%20doe/profile', consumed: '/users/john doe/profile' },
  { spec: R, it: 'strips the specified paths from the given uri if matching', route: { paths: ['/my-route', '/xx-route'], strip_path: true }, path: '/my-route/hello/world', upstream: '/hello/world', prefix: '/my-route' },
  { spec: R, it: 'does not strips root / URI', route: { paths: ['/'], strip_path: true }, path: '/my-route/hello/world', upstream: '/my-route/hello/world', prefix: '/' },
];

describe('Kong router spec: exec (normalize, match, upstream uri)', () => {
  it.each(execCases)('$it', ({ route: fields, path, upstream, prefix, consumed }) => {
    const norm = normalizePath(path);
    const hit = new Router([route({ id: id(1), ...fields })]).match(request({ path: norm }));
    expect(hit).not.toBeNull();
    expect(escapeUpstream(upstreamPath('/', norm, fields.strip_path ?? true, hit!.consumed))).toBe(upstream);
    if (prefix !== undefined) expect(norm.slice(0, hit!.consumed ?? 0)).toBe(prefix);
    if (consumed !== undefined) expect(norm.slice(0, hit!.consumed ?? 0)).toBe(consumed);
  });
});

// U normalize(uri, true) — the router always merges slashes. Cases without merge_slashes and the
// relative "mid/content=5/../6" are left out: the router never calls normalize that way.
const normalizeCases: [string, string, string][] = [
  ['no normalization necessary', '', ''], ['no normalization necessary', '/', '/'],
  ['no normalization necessary', '/a', '/a'], ['no normalization necessary', '/a/', '/a/'],
  ['no normalization necessary', '/a/b/c', '/a/b/c'], ['no normalization necessary', '/a/b/c/', '/a/b/c/'],
  ['no normalization necessary (reserved characters)', '/a%2Fb%2Fc/', '/a%2Fb%2Fc/'],
  ['no normalization necessary (reserved characters)', '/%20%21%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D', '/ %21%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D'],
  ['converting percent-encoded triplets to uppercase', '/a%2fb%2fc/', '/a%2Fb%2Fc/'],
  ['converting percent-encoded triplets to uppercase', '/f%6f%6f', '/foo'],
  ['decoding percent-encoded triplets of unreserved characters', '/%6B%6f%6e%67', '/kong'],
  ['decoding percent-encoded triplets of unreserved characters', '/%2E', '/'],
  ['remove dot segments', '/./', '/'], ['remove dot segments', '/.', '/'], ['remove dot segments', '/..', '/'],
  ['remove dot segments', '/../', '/'], ['remove dot segments', '/./.././../', '/'],
  ['remove dot segments', '/a/b/c/./../../g', '/a/g'],
  ['merge_slashes', '//', '/'], ['merge_slashes', '/////', '/'], ['merge_slashes', '/a//b//', '/a/b/'],
  ['decodes non-ASCII characters that are unreserved, issue #2366', '/endel%C3%B8st', '/endeløst'],
  // Kong yields the raw bytes \x99\xaf; a JS string cannot hold invalid UTF-8, so they stay escaped
  // (and are forwarded unchanged, since escape() leaves '%' alone).
  ['does normalize complex uri that has characters outside of normal uri charset', '/%C3%A4/a/%2e./a%2E//a/%2e/./a/../a/%2e%2E/%5f%99%af%2f%2F', '/ä/a./a/_%99%AF%2F%2F'],
];

describe(`Kong ${U} normalize()`, () => {
  it.each(normalizeCases)('%s: %s', (_title, input, want) => expect(normalizePath(input)).toBe(want));
});

describe(`Kong ${U} escape()`, () => {
  it.each([
    ['do not escape reserved or unreserved characters, plus %', "/!#$%&'()*+,/:;=?@[]ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", "/!#$%&'()*+,/:;=?@[]ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"],
    ['escape spaces', '/a b/c d', '/a%20b/c%20d'],
    ['escape utf-8 characters', '/a😀', '/a%F0%9F%98%80'],
    ['escape utf-8 characters', '/endeløst', '/endel%C3%B8st'],
  ])('%s: %s', (_title, input, want) => expect(escapeUpstream(input)).toBe(want));
});
