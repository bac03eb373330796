// Upstream path joining for path_handling v0 (expected values from Kong 3.x spec/fixtures/router_path_handling_tests.lua, v0 rows).
import { describe, expect, it } from 'vitest';
import { Router } from '../../../../src/proxy/router/router.js';
import { upstreamPath } from '../../../../src/proxy/router/uri.js';
import { request, route } from './helpers.js';

// service path, route path (null: host-only route), strip_path values, request path, expected upstream path
type Row = [string, string | null, boolean[], string, string];
const B = [false, true];
const rows: Row[] = [
  ['/', '/', B, '/', '/'], ['/', '/', B, '/route', '/route'], ['/', '/', B, '/route/', '/route/'],
  ['/', '/', B, '/routereq', '/routereq'], ['/', '/', B, '/route/req', '/route/req'],
  ['/', '/route', [false], '/route', '/route'], ['/', '/route', [false], '/route/', '/route/'],
  ['/', '/route', [false], '/routereq', '/routereq'], ['/', '/route', [true], '/route', '/'],
  ['/', '/route', [true], '/route/', '/'], ['/', '/route', [true], '/routereq', '/req'],
  ['/', '/route/', [false], '/route/', '/route/'], ['/', '/route/', [false], '/route/req', '/route/req'],
  ['/', '/route/', [true], '/route/', '/'], ['/', '/route/', [true], '/route/req', '/req'],
  ['/srv', '/rou', [false], '/roureq', '/srv/roureq'], ['/srv', '/rou', [true], '/roureq', '/srv/req'],
  ['/srv/', '/rou', [false], '/rou', '/srv/rou'], ['/srv/', '/rou', [true], '/rou', '/srv'],
  ['/service', '/', B, '/', '/service'], ['/service', '/', B, '/route', '/service/route'],
  ['/service', '/', B, '/route/', '/service/route/'], ['/service', '/', B, '/routereq', '/service/routereq'],
  ['/service', '/', B, '/route/req', '/service/route/req'],
  ['/service', '/route', [false], '/route', '/service/route'], ['/service', '/route', [false], '/route/', '/service/route/'],
  ['/service', '/route', [false], '/routereq', '/service/routereq'],
  ['/service', '/route', [true], '/route', '/service'], ['/service', '/route', [true], '/route/', '/service/'],
  ['/service', '/route', [true], '/routereq', '/service/req'],
  ['/service', '/route/', [false], '/route/', '/service/route/'], ['/service', '/route/', [false], '/route/req', '/service/route/req'],
  ['/service', '/route/', [true], '/route/', '/service/'], ['/service', '/route/', [true], '/route/req', '/service/req'],
  ['/service/', '/', B, '/route/', '/service/route/'], ['/service/', '/', B, '/', '/service/'],
  ['/service/', '/', B, '/route', '/service/route'], ['/service/', '/', B, '/routereq', '/service/routereq'],
  ['/service/', '/', B, '/route/req', '/service/route/req'],
  ['/service/', '/route', [false], '/route', '/service/route'], ['/service/', '/route', [false], '/route/', '/service/route/'],
  ['/service/', '/route', [false], '/routereq', '/service/routereq'], ['/service/', '/route', [true], '/route', '/service'],
  ['/service/', '/route', [true], '/route/', '/service/'], ['/service/', '/route', [true], '/routereq', '/service/req'],
  ['/service/', '/route/', [false], '/route/', '/service/route/'], ['/service/', '/route/', [false], '/route/req', '/service/route/req'],
  ['/service/', '/route/', [true], '/route/', '/service/'], ['/service/', '/route/', [true], '/route/req', '/service/req'],
  ['/', null, B, '/', '/'], ['/', null, B, '/route', '/route'], ['/', null, B, '/route/', '/route/'],
  ['/service', null, B, '/', '/service'], ['/service', null, B, '/route', '/service/route'],
  ['/service', null, B, '/route/', '/service/route/'],
  ['/service/', null, B, '/', '/service/'], ['/service/', null, B, '/route', '/service/route'],
  ['/service/', null, B, '/route/', '/service/route/'],
];
const expanded = rows.flatMap(([svc, rp, strips, req, want]) => strips.map((s) => [svc, rp, s, req, want] as const));

describe('upstream path (v0)', () => {
  it.each(expanded)('service %s route %s strip=%s: %s → %s', (svc, routePath, strip, reqPath, want) => {
    const r = route(routePath ? { paths: [routePath], strip_path: strip } : { hosts: ['h.test'], strip_path: strip });
    const hit = new Router([r]).match(request({ host: 'h.test', path: reqPath }));
    expect(hit).not.toBeNull();
    expect(upstreamPath(svc, reqPath, strip, hit!.consumed)).toBe(want);
  });

  it('strips a whole regex match', () => {
    const r = route({ paths: ['~/v\\d+/'] });
    const hit = new Router([r]).match(request({ path: '/v12/users' }))!;
    expect(upstreamPath('/api', '/v12/users', true, hit.consumed)).toBe('/api/users');
  });
});
