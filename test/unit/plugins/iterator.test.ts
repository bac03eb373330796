// The plugin loop itself: which config applies (route/service/consumer precedence), phases after a
// short circuit, a failing plugin. Ported from Kong's spec/02-integration/05-proxy/04-plugins_triggering_spec.lua,
// with test plugins shaped like Kong's fixtures (error-generator, error-handler-log, short-circuit).
import { describe, expect, it } from 'vitest';
import { useHarness } from './harness.js';
import type { PluginModule } from '../../../src/plugins/types.js';
import { bool, int, str } from '../../../src/plugins/schema/types.js';

const errorGenerator: PluginModule = {
  name: 'error-generator', version: '0.1.0', priority: 1_000_000,
  schema: { fields: [['access', bool({ default: false })]] },
  access(_kong, conf) {
    if ((conf as { access: boolean }).access) throw new Error('[error-generator] access');
  },
};

/** Records the phases it ran in, and says so in a response header (Kong's error-handler-log). */
const phaseLog: PluginModule = {
  name: 'error-handler-log', version: '0.1.0', priority: 1000,
  schema: { fields: [] },
  access(kong) {
    ((kong.ctx.plugin.phases ??= []) as string[]).push('access');
  },
  header_filter(kong) {
    const phases = ((kong.ctx.plugin.phases ??= []) as string[]);
    phases.push('header_filter');
    kong.response.setHeader('Log-Plugin-Phases', phases.join(','));
    kong.response.setHeader('Log-Plugin-Source', kong.response.getSource());
  },
};

const shortCircuit: PluginModule = {
  name: 'short-circuit', version: '0.1.0', priority: 1_000_000,
  schema: { fields: [['status', int({ default: 503 })], ['message', str({ default: 'short-circuited' })]] },
  access(kong, conf) {
    const c = conf as { status: number; message: string };
    kong.response.exit(c.status, { status: c.status, message: c.message });
  },
};

const ANON = '3f7e1c2a-9b8d-4e6f-a5c4-b3a2918f7e6d';
const C2 = '8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d';

function fixture(): Record<string, unknown> {
  const rl = (hour: number) => ({ name: 'rate-limiting', config: { policy: 'local', hour } });
  return {
    consumers: [
      { username: 'consumer1', keyauth_credentials: [{ key: 'secret1' }] },
      { id: C2, username: 'consumer2', keyauth_credentials: [{ key: 'secret2' }], plugins: [rl(3)] },
      { id: ANON, username: 'anonymous' },
    ],
    plugins: [{ name: 'key-auth' }, rl(1), { ...rl(4), route: 'api2', consumer: C2 }],
    services: [
      { name: 'global1', routes: [{ name: 'global1', hosts: ['global1.test'], protocols: ['http'] }] },
      { name: 'api1', routes: [{ name: 'api1', hosts: ['api1.test'], protocols: ['http'], plugins: [{ ...rl(2), service: 'api1' }] }] },
      { name: 'api2', routes: [{ name: 'api2', hosts: ['api2.test'], protocols: ['http'] }] },
      {
        name: 'api3',
        routes: [{ name: 'api3', hosts: ['api3.test'], protocols: ['http'], plugins: [
          { name: 'key-auth', service: 'api3', config: { anonymous: ANON } },
          { ...rl(5), service: 'api3', consumer: ANON },
        ] }],
      },
    ],
  };
}

/** Kong's spec uses separate setups for these: no global plugins in the way. */
function phases(): Record<string, unknown> {
  return {
    services: [
      {
        name: 'service-error',
        routes: [{ name: 'service-error', hosts: ['service-error.test'], protocols: ['http'] }],
        plugins: [{ name: 'error-generator', config: { access: true } }, { name: 'error-handler-log' }],
      },
      {
        name: 'short',
        routes: [{ name: 'short', hosts: ['short.test'], protocols: ['http'] }],
        plugins: [{ name: 'short-circuit' }, { name: 'error-handler-log' }],
      },
      {
        name: 'dead', url: 'http://127.0.0.1:9',
        routes: [{ name: 'dead', hosts: ['dead.test'], protocols: ['http'] }],
        plugins: [{ name: 'error-handler-log' }],
      },
      { name: 'disabled', routes: [{ name: 'disabled', hosts: ['disabled.test'], protocols: ['http'], plugins: [{ name: 'short-circuit', enabled: false }] }] },
      { name: 'https-only', routes: [{ name: 'https-only', hosts: ['https-only.test'], protocols: ['http', 'https'], plugins: [{ name: 'short-circuit', protocols: ['https'] }] }] },
    ],
  };
}

describe('Plugins triggering (spec/02-integration/05-proxy/04-plugins_triggering_spec.lua)', () => {
  const h = useHarness(fixture, { modules: [errorGenerator, phaseLog, shortCircuit] });
  const get = (host: string, path = '/status/200') => h().send({ host, path });

  it('checks global configuration without credentials', async () => {
    expect((await get('global1.test')).status).toBe(401);
  });

  it('checks global api configuration', async () => {
    const r = await get('global1.test', '/status/200?apikey=secret1');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit-hour']).toBe('1');
  });

  it('checks api specific configuration', async () => {
    const r = await get('api1.test', '/status/200?apikey=secret1');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit-hour']).toBe('2');
  });

  it('checks global consumer configuration', async () => {
    const r = await get('global1.test', '/status/200?apikey=secret2');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit-hour']).toBe('3');
  });

  it('checks consumer specific configuration', async () => {
    const r = await get('api2.test', '/status/200?apikey=secret2');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit-hour']).toBe('4');
  });

  it('checks anonymous consumer specific configuration', async () => {
    const r = await get('api3.test');
    expect(r.status).toBe(200);
    expect(r.headers['x-ratelimit-limit-hour']).toBe('5');
  });

});

describe('Plugins triggering: short circuits and errors (spec/02-integration/05-proxy/04-plugins_triggering_spec.lua)', () => {
  const h = useHarness(phases, { modules: [errorGenerator, phaseLog, shortCircuit] });
  const get = (host: string, path = '/status/200') => h().send({ host, path });

  it('builds complete plugins iterator even when plugin errors', async () => {
    const r = await get('service-error.test');
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({ message: 'An unexpected error occurred', request_id: r.headers['x-kong-request-id'] });
    expect(r.headers['log-plugin-phases']).toBe('header_filter');
    // kong.response.get_source() returns "error" if plugin runtime exception occurs, FTI-3200
    expect(r.headers['log-plugin-source']).toBe('error');
    const failure = h().lines.find((l) => String(l.msg).startsWith('plugin error-generator failed'));
    expect(failure).toMatchObject({ level: 'error', plugin: 'error-generator', phase: 'access' });
    // The failure is this request's only: the next one on another route is served.
    expect((await get('disabled.test')).status).toBe(200);
  });

  it('short-circuited requests: execute a header_filter plugin', async () => {
    const r = await get('short.test');
    expect(r.status).toBe(503);
    expect(r.json()).toEqual({ status: 503, message: 'short-circuited' });
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['log-plugin-phases']).toBe('header_filter');
    expect(r.headers['log-plugin-source']).toBe('exit');
  });

  it('proxy-intercepted error: executes plugins header_filter on Bad Gateway (HTTP 502)', async () => {
    const r = await get('dead.test');
    expect(r.status).toBe(502);
    expect(r.headers['log-plugin-phases']).toBe('access,header_filter');
    expect(r.headers['log-plugin-source']).toBe('error');
  });

  it('(hybridctl) a disabled plugin does not run; a plugin limited to https does not run on http', async () => {
    expect((await get('disabled.test')).status).toBe(200);
    expect((await get('https-only.test')).status).toBe(200);
  });
});
