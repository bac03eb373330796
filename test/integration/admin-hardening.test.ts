// The Admin API against hostile input and a full disk: prototype pollution, deep and huge bodies,
// hosts and names Kong refuses, bad escapes and content types, ENOSPC under the store.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { startAdmin } from '../../src/admin/server.js';
import { openMemoryStore } from '../../src/store/index.js';
import { createLogger } from '../../src/log.js';
import { tempDir } from '../helpers/cli.js';
import { pki, startCp } from '../helpers/cluster.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function inProcess() {
  const store = openMemoryStore();
  const a = await startAdmin({ listen: { host: '127.0.0.1', port: 0 }, store, log: createLogger({ level: 'error' }), nodeId: '11111111-2222-4333-8444-555555555555' });
  cleanup.push(() => a.close());
  return { base: `http://127.0.0.1:${a.address.port}`, store };
}

const call = async (base: string, method: string, path: string, body?: string, type?: string) => {
  const res = await fetch(base + path, { method, headers: type ? { 'content-type': type } : {}, body });
  const text = await res.text();
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, json, text };
};
const FORM = 'application/x-www-form-urlencoded';
const JSON_T = 'application/json';
const deepJson = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** A raw request: fetch refuses to send a malformed path. */
const rawGet = (port: number, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

describe('Admin API input hardening (in process)', () => {
  it('refuses prototype-sensitive keys in form and JSON bodies with a 400 naming the key, and pollutes nothing', async () => {
    const { base, store } = await inProcess();
    for (const body of ['__proto__.zzz=1&host=a.test', 'constructor.prototype.zzz=1&host=a.test', 'host=a.test&tags[]=x&__proto__[]=1', 'prototype=1&host=a.test', 'a.__proto__.zzz=1']) {
      const r = await call(base, 'POST', '/services', body, FORM);
      expect(r.status, body).toBe(400);
      expect(r.json!.message).toMatch(/^invalid key '.*(__proto__|constructor|prototype).*' in form body: '__proto__', 'constructor' and 'prototype' cannot be used as keys$/);
    }
    const j = await call(base, 'POST', '/services', '{"host":"a.test","config":{"__proto__":{"zzz":1}}}', JSON_T);
    expect(j).toMatchObject({ status: 400, json: { message: "invalid key 'config.__proto__' in JSON body: '__proto__', 'constructor' and 'prototype' cannot be used as keys" } });
    expect(({} as Record<string, unknown>).zzz).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
    expect(store.counts().services).toBe(0);
    // Keys named like Object.prototype members are ordinary keys, not paths into the prototype.
    const ok = await call(base, 'POST', '/services', 'host=a.test&name=svc&tags[]=toString&tags[]=valueOf', FORM);
    expect(ok).toMatchObject({ status: 201, json: { tags: ['toString', 'valueOf'] } });
    expect((await call(base, 'POST', '/services', 'toString.x=1&host=b.test', FORM)).json!.fields).toEqual({ toString: 'unknown field' });
    expect((await call(base, 'POST', '/services', 'host=b.test&host.x=1', FORM))).toMatchObject({ status: 400, json: { message: expect.stringContaining("'host.x' conflicts") } });
  });

  it('refuses the hosts Kong refuses, with Kong\'s messages, for services, upstreams and targets', async () => {
    const { base, store } = await inProcess();
    for (const host of ['999.1.1.1', '4294967296', '1a.2', '1.1.1.1.1.1', '[1::1::1]']) {
      const r = await call(base, 'POST', '/services', JSON.stringify({ name: 's', host }), JSON_T);
      expect(r.status, host).toBe(400);
      expect(r.json!.fields).toEqual({ host: `invalid value: ${host}` });
      // (A form value of digits only is read as a number, as before: `expected a string`.)
      if (!/^\d+$/.test(host)) expect((await call(base, 'POST', '/services', `host=${encodeURIComponent(host)}`, FORM)).json!.fields).toEqual({ host: `invalid value: ${host}` });
    }
    const up = await call(base, 'POST', '/upstreams', JSON.stringify({ name: 'up.test' }), JSON_T);
    expect(up.status).toBe(201);
    const t = await call(base, 'POST', '/upstreams/up.test/targets', JSON.stringify({ target: '999.1.1.1:80' }), JSON_T);
    expect(t.json!.fields).toEqual({ target: "Invalid target ('999.1.1.1:80'); not a valid hostname or ip address" });
    expect(store.counts()).toMatchObject({ services: 0, targets: 0 });
  });

  it('refuses names Kong refuses; answers 400 to a bad percent-escape and 415 to a text/plain body', async () => {
    const { base, store } = await inProcess();
    const msg = "the only accepted ascii characters are alphanumerics or ., -, _, and ~";
    for (const name of ['a\u0000b', '\u001b[31mred', 'two words', '../up']) {
      const r = await call(base, 'POST', '/services', JSON.stringify({ name, host: 'a.test' }), JSON_T);
      expect(r.json!.fields, JSON.stringify(name)).toEqual({ name: `invalid value '${name}': ${msg}` });
    }
    expect((await call(base, 'POST', '/routes', '{"name":"x\\ud800","paths":["/"]}', JSON_T)).json!.fields).toEqual({ name: 'invalid utf-8 character sequence detected at position 2' });
    expect((await call(base, 'POST', '/services', JSON.stringify({ name: 'n'.repeat(10_000), host: 'a.test' }), JSON_T)).json!.fields).toEqual({ name: 'length must be at most 255' });
    expect(store.counts().services).toBe(0);

    const port = Number(new URL(base).port);
    for (const path of ['/services/%zz', '/services/%', '/services/%E0%A4%A', '/services/%ED%A0%80']) {
      const r = await rawGet(port, path);
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.body).message).toMatch(/^invalid percent-encoding in path segment/);
    }
    expect((await rawGet(port, '//services')).status).toBe(200);

    const plain = await call(base, 'POST', '/services', JSON.stringify({ host: 'a.test' }), 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.json!.message).toMatch(/^Unsupported Media Type: 'text\/plain'; send application\/json or application\/x-www-form-urlencoded$/);
    expect((await call(base, 'POST', '/services', JSON.stringify({ host: 'a.test' }))).status).toBe(415); // fetch: text/plain;charset=UTF-8
    expect((await call(base, 'POST', '/services', 'host: a.test', 'application/yaml')).status).toBe(415);
    expect((await call(base, 'POST', '/config', '_format_version: "3.0"\nservices: [{name: s, host: a.test}]', 'text/yaml')).status).toBe(201);
    expect(store.counts().services).toBe(1);
  });
});

describe('a real control plane under hostile bodies', () => {
  it('refuses a config nested 5000 levels deep and a huge body, keeps running, and GET /plugins works', async () => {
    const p = await pki(tempDir());
    const cp = await startCp(p, tempDir());
    const deep = await call(cp.admin, 'POST', '/plugins', `{"name":"key-auth","config":${deepJson(5000)}}`, JSON_T);
    expect(deep).toMatchObject({ status: 400, json: { message: expect.stringContaining('value nested too deeply (more than 64 levels)') } });
    // Under the body cap but over the entity cap: refused by the one validation, before the store.
    const forty = await call(cp.admin, 'POST', '/plugins', `{"name":"key-auth","config":${deepJson(40)}}`, JSON_T);
    expect(forty).toMatchObject({ status: 400, json: { name: 'schema violation', fields: { config: expect.stringContaining('value nested too deeply (more than 32 levels)') } } });
    const formDeep = await call(cp.admin, 'POST', '/plugins', `name=key-auth&config.${'a.'.repeat(5000)}b=1`, FORM);
    expect(formDeep.status).toBe(400);
    const yamlDeep = await call(cp.admin, 'POST', '/config', `_format_version: "3.0"\nplugins: [{name: key-auth, config: ${'['.repeat(5000)}${']'.repeat(5000)}}]`, 'application/yaml');
    expect(yamlDeep.status).toBe(400);
    const huge = await fetch(`${cp.admin}/services`, { method: 'POST', headers: { 'content-type': JSON_T }, body: `{"host":"a.test","tags":["${'x'.repeat(65 * 1024 * 1024)}"]}` }).catch((e: Error) => e);
    if (!(huge instanceof Error)) expect(huge.status).toBe(413);
    const large = await call(cp.admin, 'POST', '/services', JSON.stringify({ host: 'a.test', tags: Array.from({ length: 200_000 }, (_, i) => `t${i}`) }), JSON_T);
    expect(large).toMatchObject({ status: 400, json: { fields: { '@entity': [expect.stringMatching(/^value too large/)] } } });

    expect(cp.d.proc.exitCode).toBeNull();
    expect((await call(cp.admin, 'POST', '/plugins', JSON.stringify({ name: 'key-auth', config: { key_names: ['k'] } }), JSON_T)).status).toBe(201);
    const list = await call(cp.admin, 'GET', '/plugins');
    expect(list.status).toBe(200);
    expect(list.json!.data).toHaveLength(1);
    expect((await call(cp.admin, 'GET', '/config')).status).toBe(200);
    expect(cp.d.lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 30_000);
});

describe('a control plane on a full disk', () => {
  it('answers 507 naming ENOSPC and the store path, logs it, and keeps the store consistent', async () => {
    const p = await pki(tempDir());
    const mnt = mkdtempSync(join(tmpdir(), 'hybridctl-fulldisk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
    let stop: (() => Promise<unknown>) | null = null;
    try {
      const prefix = join(mnt, 'cp');
      mkdirSync(prefix);
      let cp = await startCp(p, prefix);
      stop = () => cp.d.stop();
      const svc = (i: number) => JSON.stringify({ name: `s${i}`, host: 'a.test', tags: Array.from({ length: 40 }, (_, j) => `${'t'.repeat(1000)}${j}`) });
      expect((await call(cp.admin, 'POST', '/services', svc(0), JSON_T)).status).toBe(201);
      // Fill the file system, then write until the store's next page does not fit.
      const filler = join(mnt, 'filler');
      try {
        for (;;) appendFileSync(filler, Buffer.alloc(64 * 1024));
      } catch { /* full */ }
      let created = 1;
      let full: Awaited<ReturnType<typeof call>> | null = null;
      for (let i = 1; i < 200 && !full; i++) {
        const r = await call(cp.admin, 'POST', '/services', svc(i), JSON_T);
        if (r.status === 201) created++;
        else full = r;
      }
      expect(full).not.toBeNull();
      const store = join(prefix, 'cp-store');
      expect(full!.status).toBe(507);
      expect(full!.json!.message).toBe(`the control plane could not write its store at ${store}: no space left on device (ENOSPC); nothing was changed, free space on that disk and retry`);
      // lmdb writes its own text to stderr without a newline: take the JSON line wherever it starts.
      const hit = await cp.d.waitFor((l) => l.msg.startsWith('store write failed') || (l.level === 'raw' && l.msg.includes('"msg":"store write failed')), 5000, 'the ENOSPC log line');
      const line = hit.level === 'raw' ? JSON.parse(hit.msg.slice(hit.msg.indexOf('{"time"'))) : hit;
      expect(line).toMatchObject({ level: 'error', code: 'ENOSPC', path: store, msg: 'store write failed: no space left on device (ENOSPC)' });
      expect(String(line.error)).toContain(store);
      expect(cp.d.proc.exitCode).toBeNull();
      // Nothing half-written: the refused service is not there, every acknowledged one is.
      const names = async () => ((await call(cp.admin, 'GET', '/services?size=1000')).json!.data as { name: string }[]).map((s) => s.name).sort();
      const acked = Array.from({ length: created }, (_, i) => `s${i}`).sort();
      expect(await names()).toEqual(acked);

      rmSync(filler);
      expect((await call(cp.admin, 'POST', '/services', svc(999), JSON_T)).status).toBe(201);
      await cp.d.stop();
      cp = await startCp(p, prefix);
      expect(await names()).toEqual([...acked, 's999'].sort());
    } finally {
      await stop?.();
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  }, 40_000);
});
