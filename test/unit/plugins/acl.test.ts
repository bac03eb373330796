// acl, ported from Kong's spec/03-plugins/18-acl/02-access_spec.lua (each case names its it()).
import { describe, expect, it } from 'vitest';
import { useHarness, type Reply, useCluster } from './harness.js';
import { acl } from '../../../src/plugins/acl/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import type { PluginModule } from '../../../src/plugins/types.js';
import { arr, str } from '../../../src/plugins/schema/types.js';

/**
 * Kong's spec fixture plugin ctx-checker (priority 1000, between the auth plugins and acl): puts
 * authenticated groups in kong.ctx.shared, or a credential without a consumer on the request.
 */
const ctxChecker: PluginModule = {
  name: 'ctx-checker',
  version: '0.1-t',
  priority: 1000,
  schema: { fields: [['ctx_kind', str()], ['ctx_set_field', str()], ['ctx_set_value', str()], ['ctx_set_array', arr(str())]] },
  access(kong, conf: Record<string, any>) {
    if (conf.ctx_set_field === 'authenticated_credential') kong.client.authenticate(null, { id: conf.ctx_set_value });
    else if (conf.ctx_set_field) kong.ctx.shared[conf.ctx_set_field] = conf.ctx_set_array ?? conf.ctx_set_value;
  },
};

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ANON = id(99);

function fixture(): Record<string, unknown> {
  const groups = (...g: string[]) => g.map((group) => ({ group }));
  const consumer = (n: number, key: string, acls: { group: string }[]) => ({ id: id(n), username: `consumer${n}`, keyauth_credentials: [{ key }], acls });
  const ctx = (g: string[]) => ({ name: 'ctx-checker', config: { ctx_kind: 'kong.ctx.shared', ctx_set_field: 'authenticated_groups', ctx_set_array: g } });
  const keyAuth = (config: Record<string, unknown> = {}) => ({ name: 'key-auth', config });
  const route = (host: string, config: Record<string, unknown>, ...others: Record<string, unknown>[]) => ({ name: host, hosts: [host], plugins: [{ name: 'acl', config }, ...others] });
  return {
    consumers: [
      consumer(1, 'apikey123', []),
      consumer(2, 'apikey124', groups('admin')),
      consumer(3, 'apikey125', groups('pro', 'hello')),
      consumer(4, 'apikey126', groups('free', 'hello')),
      consumer(5, 'apikey127', groups('acl_group1')),
      { id: ANON, username: 'anonymous', acls: groups('anonymous') },
    ],
    services: [{
      name: 'svc',
      routes: [
        route('acl1.test', { allow: ['admin'] }),
        route('acl1b.test', { allow: ['admin'] }, { name: 'ctx-checker', config: { ctx_set_field: 'authenticated_credential', ctx_set_value: 'dummy-credential' } }),
        route('acl2.test', { allow: ['admin'] }, keyAuth()),
        route('acl2b.test', { allow: ['admin'] }, ctx(['admin'])),
        route('acl2c.test', { allow: ['admin'] }, ctx([])),
        route('acl3.test', { deny: ['admin'] }, keyAuth()),
        route('acl3b.test', { deny: ['admin'] }, ctx([])),
        route('acl3c.test', { deny: ['admin'] }, ctx(['admin'])),
        route('acl3d.test', { deny: ['none'] }),
        route('acl4.test', { allow: ['admin', 'pro'] }, keyAuth()),
        route('acl4b.test', { allow: ['admin', 'pro'] }, ctx(['pro', 'hello'])),
        route('acl4c.test', { allow: ['admin', 'pro'] }, ctx(['free', 'hello'])),
        route('acl5.test', { deny: ['admin', 'pro'] }, keyAuth()),
        route('acl5b.test', { deny: ['admin', 'pro'] }, ctx(['pro', 'hello'])),
        route('acl5c.test', { deny: ['admin', 'pro'] }, ctx(['free', 'hello'])),
        route('acl6.test', { deny: ['admin', 'pro', 'hello'] }, keyAuth()),
        route('acl6b.test', { deny: ['admin', 'pro', 'hello'] }, ctx(['free', 'hello'])),
        route('acl6c.test', { deny: ['admin', 'pro', 'hello'] }, ctx(['pro', 'hello'])),
        route('acl7.test', { allow: ['admin', 'pro', 'hello'] }, keyAuth()),
        route('acl7b.test', { allow: ['admin', 'pro', 'hello'] }, ctx(['free', 'hello'])),
        route('acl8.test', { allow: ['anonymous'] }, keyAuth({ anonymous: ANON })),
        route('acl8b.test', { allow: ['anonymous'] }, keyAuth({ anonymous: ANON }), ctx(['anonymous'])),
        route('acl9.test', { allow: ['admin'], hide_groups_header: true }, keyAuth()),
        route('acl9b.test', { allow: ['admin'], hide_groups_header: true }, ctx(['admin'])),
        route('acl10.test', { allow: ['admin'], hide_groups_header: false }, keyAuth()),
        route('acl10b.test', { allow: ['admin'], hide_groups_header: false }, ctx(['admin'])),
        route('acl11.test', { allow: ['admin', 'anonymous'] }, keyAuth({ anonymous: ANON }), ctx(['admin'])),
        route('acl12.test', { allow: ['anonymous'] }, keyAuth({ anonymous: ANON }), ctx(['anonymous'])),
        route('acl13.test', { allow: ['anonymous'] }, keyAuth({ anonymous: ANON }), ctx(['admin'])),
        route('acl15.test', { allow: ['auth_group1'], always_use_authenticated_groups: true }, keyAuth(), ctx(['auth_group1'])),
        route('acl16.test', { allow: ['auth_group1'], always_use_authenticated_groups: true }, keyAuth(), ctx(['auth_group2'])),
        route('acl17.test', { allow: ['acl_group1'], always_use_authenticated_groups: true }, keyAuth()),
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  path: string;
  headers?: Record<string, string>;
  status: number;
  message?: string;
  /** Upstream x-consumer-groups / x-authenticated-groups (null: absent). */
  consumerGroups?: string | null;
  authGroups?: string | null;
}

const NO = 'You cannot consume this service';

const CASES: Case[] = [
  { it: 'should work with consumer with credentials', host: 'acl2.test', path: '/request?apikey=apikey124', status: 200, consumerGroups: 'admin', authGroups: null },
  { it: 'should work with authenticated groups', host: 'acl2b.test', path: '/request', status: 200, authGroups: 'admin', consumerGroups: null },
  { it: 'should work with consumer without credentials', host: 'acl8.test', path: '/request', status: 200, consumerGroups: 'anonymous', authGroups: null },
  { it: 'should work with authenticated groups without credentials', host: 'acl8b.test', path: '/request', status: 200, authGroups: 'anonymous', consumerGroups: null },
  { it: 'should fail when an authentication plugin is missing', host: 'acl1.test', path: '/status/200', status: 401, message: 'Unauthorized' },
  { it: 'should fail when an authentication plugin is missing (with credential)', host: 'acl1b.test', path: '/status/200', status: 403, message: NO },
  { it: 'should fail when not allowed', host: 'acl2.test', path: '/status/200?apikey=apikey123', status: 403, message: NO },
  { it: 'should fail when not allowed with authenticated groups', host: 'acl2c.test', path: '/status/200', status: 403, message: NO },
  { it: 'should work when allowed', host: 'acl2.test', path: '/request?apikey=apikey124', status: 200, consumerGroups: 'admin', authGroups: null },
  { it: 'should work when allowed with authenticated groups', host: 'acl2b.test', path: '/request', status: 200, authGroups: 'admin', consumerGroups: null },
  { it: 'should not send x-consumer-groups header when hide_groups_header flag true', host: 'acl9.test', path: '/request?apikey=apikey124', status: 200, consumerGroups: null, authGroups: null },
  { it: 'should not send x-authenticated-groups header when hide_groups_header flag true', host: 'acl9b.test', path: '/request', status: 200, consumerGroups: null, authGroups: null },
  { it: 'should send x-consumer-groups header when hide_groups_header flag false', host: 'acl10.test', path: '/request?apikey=apikey124', status: 200, consumerGroups: 'admin', authGroups: null },
  { it: 'should send x-authenticated-groups header when hide_groups_header flag false', host: 'acl10b.test', path: '/request', status: 200, authGroups: 'admin', consumerGroups: null },
  { it: 'should work when not denied', host: 'acl3.test', path: '/request?apikey=apikey123', status: 200 },
  { it: 'should work when not denied with authenticated groups', host: 'acl3b.test', path: '/request', status: 200 },
  { it: 'should fail when denied', host: 'acl3.test', path: '/request?apikey=apikey124', status: 403, message: NO },
  { it: 'should fail when denied with authenticated groups', host: 'acl3c.test', path: '/request', status: 403, message: NO },
  { it: 'should fail denied and with no authenticated groups', host: 'acl3d.test', path: '/request', status: 401, message: 'Unauthorized' },
  { it: 'should work when allowed (Multi lists)', host: 'acl4.test', path: '/request?apikey=apikey125', status: 200, consumerGroups: 'pro, hello', authGroups: null },
  { it: 'should work when allowed with authenticated groups (Multi lists)', host: 'acl4b.test', path: '/request', status: 200, authGroups: 'pro, hello', consumerGroups: null },
  { it: 'should fail when not allowed (Multi lists)', host: 'acl4.test', path: '/request?apikey=apikey126', status: 403, message: NO },
  { it: 'should fail when not allowed with authenticated groups (Multi lists)', host: 'acl4c.test', path: '/request', status: 403, message: NO },
  { it: 'should fail when denied (Multi lists)', host: 'acl5.test', path: '/request?apikey=apikey125', status: 403, message: NO },
  { it: 'should fail when denied with authenticated groups (Multi lists)', host: 'acl5b.test', path: '/request', status: 403, message: NO },
  { it: 'should work when not denied (Multi lists)', host: 'acl5.test', path: '/request?apikey=apikey126', status: 200, consumerGroups: 'free, hello' },
  { it: 'should work when not denied with authenticated groups (Multi lists)', host: 'acl5c.test', path: '/request', status: 200, authGroups: 'free, hello' },
  { it: 'should not work when one of the ACLs denied', host: 'acl6.test', path: '/request?apikey=apikey126', status: 403, message: NO },
  { it: 'should not work when one of the ACLs denied with authenticated groups', host: 'acl6b.test', path: '/request', status: 403, message: NO },
  { it: 'should work when one of the ACLs is allowed', host: 'acl7.test', path: '/request?apikey=apikey126', status: 200 },
  { it: 'should work when one of the ACLs is allowed with authenticated groups', host: 'acl7b.test', path: '/request', status: 200 },
  { it: 'should not work when at least one of the ACLs denied', host: 'acl6.test', path: '/request?apikey=apikey125', status: 403, message: NO },
  { it: 'should not work when at least one of the ACLs denied with authenticated groups', host: 'acl6c.test', path: '/request', status: 403, message: NO },
  { it: 'authenticated consumer even when authorized groups are present (Permits with)', host: 'acl11.test', path: '/request?apikey=apikey124', status: 200, consumerGroups: 'admin', authGroups: null },
  { it: 'authorized groups even when anonymous consumer is present (Permits with)', host: 'acl11.test', path: '/request', status: 200, authGroups: 'admin', consumerGroups: null },
  { it: 'authenticated consumer even when authorized groups are present (Forbids with)', host: 'acl12.test', path: '/request?apikey=apikey124', status: 403, message: NO },
  { it: 'authorized groups even when anonymous consumer is present (Forbids with)', host: 'acl13.test', path: '/request', status: 403, message: NO },
  { it: "if authenticated_groups is set, it'll be used", host: 'acl15.test', path: '/request?apikey=apikey127', status: 200, authGroups: 'auth_group1', consumerGroups: null },
  { it: "if authenticated_groups is set, it'll be used (acl16: other group)", host: 'acl16.test', path: '/request?apikey=apikey127', status: 403, message: NO },
  { it: 'if authenticated_groups is not set, fallback to use acl groups', host: 'acl17.test', path: '/request?apikey=apikey127', status: 200, authGroups: null, consumerGroups: 'acl_group1' },
  { it: 'if authenticated_groups is not set, fallback to use acl groups (not a member)', host: 'acl17.test', path: '/request?apikey=apikey126', status: 403, message: NO },
  { it: '(hybridctl) a client-sent X-Consumer-Groups is replaced with the real groups', host: 'acl4.test', path: '/request?apikey=apikey125', headers: { 'x-consumer-groups': 'admin' }, status: 200, consumerGroups: 'pro, hello' },
];

function check(c: Case, r: Reply) {
  expect(r.status, r.body).toBe(c.status);
  if (c.message) {
    expect(r.json().message).toBe(c.message);
    expect(r.json().request_id).toBe(r.headers['x-kong-request-id']);
  }
  if (c.consumerGroups !== undefined) expect(r.echo().headers['x-consumer-groups']).toBe(c.consumerGroups ?? undefined);
  if (c.authGroups !== undefined) expect(r.echo().headers['x-authenticated-groups']).toBe(c.authGroups ?? undefined);
}

describe('acl (spec/03-plugins/18-acl/02-access_spec.lua)', () => {
  const h = useHarness(fixture, { modules: [acl, ctxChecker] });
  for (const c of CASES) {
    it(c.it, async () => {
      check(c, await h().send({ host: c.host, path: c.path, headers: c.headers }));
    });
  }
});

describe('acl anonymous (spec/03-plugins/18-acl/02-access_spec.lua "anonymous")', () => {
  const A = id(200);
  const AG = id(201);
  const route = (host: string, config: Record<string, unknown>, anonymous?: string) => ({
    name: host, hosts: [host], plugins: [{ name: 'acl', config }, ...(anonymous ? [{ name: 'key-auth', config: { anonymous } }] : [])],
  });
  const h = useCluster(() => ({
    consumers: [{ id: A, username: 'anonymous' }, { id: AG, username: 'anonymous_with_group', acls: [{ group: 'everyone' }] }],
    services: [{
      name: 'svc',
      routes: [
        route('allow-everyone.test', { allow: ['everyone'] }),
        route('allow-none.test', { allow: ['none'] }),
        route('deny-everyone.test', { allow: ['everyone'] }),
        route('deny-none.test', { allow: ['none'] }),
        route('allow-everyone-anonymous.test', { allow: ['everyone'] }, A),
        route('allow-everyone-anonymous-with-group.test', { allow: ['everyone'] }, AG),
        route('allow-none-anonymous.test', { allow: ['none'] }, A),
        route('allow-none-anonymous-with-group.test', { allow: ['none'] }, AG),
        route('deny-everyone-anonymous.test', { deny: ['everyone'] }, A),
        route('deny-everyone-anonymous-with-group.test', { deny: ['everyone'] }, AG),
        route('deny-none-anonymous.test', { deny: ['none'] }, A),
        route('deny-none-anonymous-with-group.test', { deny: ['none'] }, AG),
      ],
    }],
  }));
  const cases: Case[] = [
    ...['allow-everyone', 'allow-none', 'deny-everyone', 'deny-none'].map((n) => ({ it: `returns 401 (without authentication: ${n})`, host: `${n}.test`, path: '/request', status: 401, message: 'Unauthorized' })),
    ...['allow-everyone-anonymous', 'allow-none-anonymous'].map((n) => ({ it: `returns 401 with allow groups (${n})`, host: `${n}.test`, path: '/request', status: 401, message: 'Unauthorized' })),
    ...['deny-everyone-anonymous', 'deny-none-anonymous'].map((n) => ({ it: `returns 200 with deny groups (${n})`, host: `${n}.test`, path: '/request', status: 200, consumerGroups: '' })),
    ...['allow-everyone-anonymous-with-group', 'deny-none-anonymous-with-group'].map((n) => ({ it: `returns 200 (${n})`, host: `${n}.test`, path: '/request', status: 200, consumerGroups: 'everyone', authGroups: null })),
    ...['allow-none-anonymous-with-group', 'deny-everyone-anonymous-with-group'].map((n) => ({ it: `returns 403 (${n})`, host: `${n}.test`, path: '/request', status: 403, message: NO })),
  ];
  for (const c of cases) it(c.it, async () => check(c, await h().send({ host: c.host, path: c.path })));
});

describe('acl schema (kong/plugins/acl/schema.lua)', () => {
  const cat = nodePlugins(new Map([[acl.name, acl]]), 'control_plane');
  const ONLY = "exactly one of these fields must be non-empty: 'config.allow', 'config.deny'";
  const LEAST = "at least one of these fields must be non-empty: 'config.allow', 'config.deny'";
  const entity = (config: unknown) => cat.check({ name: 'acl', config, protocols: ['http'] }).errors?.['@entity'];
  it('(hybridctl) needs one of allow or deny', () => {
    expect(entity({})).toEqual([ONLY, LEAST]);
    expect(validateConfig(acl.schema, {}).entityErrors).toEqual([ONLY, LEAST]);
  });
  it('(hybridctl) refuses both allow and deny', () => {
    expect(entity({ allow: ['a'], deny: ['b'] })).toEqual([ONLY]);
  });
  it('(hybridctl) an empty list counts as not given', () => {
    expect(cat.check({ name: 'acl', config: { allow: [], deny: ['b'] }, protocols: ['http'] }).errors).toBeNull();
    expect(entity({ allow: [] })).toEqual([ONLY, LEAST]);
  });
  it('(hybridctl) fills defaults', () => {
    expect(validateConfig(acl.schema, { allow: ['a'] }).config).toEqual({ allow: ['a'], deny: null, hide_groups_header: false, always_use_authenticated_groups: false });
  });
  it('(hybridctl) refuses non-string groups', () => {
    expect(validateConfig(acl.schema, { allow: [1] }).errors).toEqual({ allow: { 1: 'expected a string' } });
  });
  it('(hybridctl) cannot be scoped to a consumer (typedefs.no_consumer)', () => {
    expect(cat.check({ name: 'acl', config: { allow: ['a'] }, consumer: { id: id(1) }, protocols: ['http'] }).errors).toEqual({ consumer: 'value must be null' });
  });
});
