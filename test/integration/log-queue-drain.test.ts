// A stopping data plane sends what its log plugins still hold: Kong's queues stop coalescing once
// the worker is exiting (kong/tools/queue.lua, ngx.worker.exiting()), so entries batched for later
// reach the collector before the process goes. Real `cp run` and `dp run` with two workers.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { getOnce, pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';
import { entriesOf, httpCollector } from '../unit/plugins/log-collectors.js';

const send = async (url: string) => (await getOnce(url)).status;

describe('log plugin queues at stop', () => {
  it('are sent when the data plane stops, not lost with the worker', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    const collector = await httpCollector();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--nginx-worker-processes', '2']);
      expect((await post(`${cp.admin}/services`, { name: 's', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/s/routes`, { name: 'r', paths: ['/r'] })).status).toBe(201);
      // Batches wait up to an hour for 1000 entries: nothing goes out while the DP runs.
      expect((await post(`${cp.admin}/routes/r/plugins`, {
        name: 'http-log',
        config: { http_endpoint: `http://127.0.0.1:${collector.port}/logs`, queue: { max_batch_size: 1000, max_coalescing_delay: 3600 } },
      })).status).toBe(201);
      await until(async () => (await send(`${dp.proxy}/r/probe`)) === 200 && (await send(`${dp.proxy}/r/probe`)) === 200, 'route with http-log served');
      for (let i = 0; i < 6; i++) expect(await send(`${dp.proxy}/r/${i}`)).toBe(200);
      await new Promise((ok) => setTimeout(ok, 500));
      expect(collector.posts).toHaveLength(0);

      expect(await dp.d.stop('SIGTERM')).toBe(0);
      const paths = entriesOf(collector.posts, '/logs').map((e) => e.request.uri as string);
      for (let i = 0; i < 6; i++) expect(paths).toContain(`/r/${i}`);
      await cp.d.stop();
    } finally {
      up.server.close();
      await collector.stop();
    }
  }, 90_000);
});
