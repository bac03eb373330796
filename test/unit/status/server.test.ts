// GET /status and /status/ready on the status listener.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { startStatus } from '../../../src/status/server.js';
import type { StatusState } from '../../../src/status/server.js';

async function status(state: () => StatusState) {
  const s = await startStatus({ listen: { host: '127.0.0.1', port: 0 }, state, log: createLogger({ write: () => {} }) });
  onTestFinished(() => s.close());
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${s.address.port}${path}`);
    return { status: r.status, body: await r.json() as Record<string, unknown> };
  };
  return get;
}

describe('status server', () => {
  it('is not ready until a config was loaded, then stays ready', async () => {
    let state: StatusState = { configurationHash: null, ready: false };
    const get = await status(() => state);
    const before = await get('/status/ready');
    expect(before.status).toBe(503);
    expect(before.body.message).toBe('no configuration available (configuration hash is not initialized)');
    state = { configurationHash: '0'.repeat(32), ready: false };
    expect((await get('/status/ready')).body.message).toBe('no configuration available (empty configuration present)');
    state = { configurationHash: 'a'.repeat(32), ready: true };
    expect(await get('/status/ready')).toEqual({ status: 200, body: { message: 'ready' } });
  });

  it('reports the configuration hash in /status', async () => {
    const get = await status(() => ({ configurationHash: '0123456789abcdef0123456789abcdef', ready: true }));
    const r = await get('/status');
    expect(r.status).toBe(200);
    expect(r.body.configuration_hash).toBe('0123456789abcdef0123456789abcdef');
    expect(r.body).not.toHaveProperty('database');
    expect(r.body).toHaveProperty('server');
  });

  it('answers 404 elsewhere', async () => {
    const get = await status(() => ({ configurationHash: null, ready: false }));
    expect((await get('/nope')).status).toBe(404);
  });
});
