// file-log, ported from Kong's spec/03-plugins/04-file-log/{01-log,02-schema}_spec.lua (each case
// names its it()), through a real control plane and data plane.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, linkSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileLog } from '../../../src/plugins/file-log/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { LUA_CODE_REFUSED } from '../../../src/plugins/log-shared/fields.js';
import { until } from '../../helpers/cluster.js';
import { useCluster } from './harness.js';

describe('file-log (spec/03-plugins/04-file-log/02-schema_spec.lua)', () => {
  const cases: [string, Record<string, unknown>, Record<string, string> | null][] = [
    ['path is required', { reopen: true }, { path: 'required field missing' }],
    ['rejects invalid filename includes *', { path: '/ovo*', reopen: true }, { path: 'not a valid filename' }],
    ['rejects invalid filename includes `', { path: '/ovo`', reopen: true }, { path: 'not a valid filename' }],
    ['rejects invalid filename includes &', { path: 'test&thing', reopen: true }, { path: 'not a valid filename' }],
    ['rejects invalid filename includes %', { path: 'test%thing', reopen: true }, { path: 'not a valid filename' }],
    ['rejects invalid filename includes \\', { path: 'test\\thing', reopen: true }, { path: 'not a valid filename' }],
    ['beginning spaces are not allowed', { path: ' /ovo', reopen: true }, { path: 'not a valid filename' }],
    ['trailing spaces are not allowed', { path: '/ovo  ', reopen: true }, { path: 'not a valid filename' }],
    ['accept valid filename that includes space', { path: '/o vo.loga', reopen: true }, null],
    ['accepts valid filename', { path: '/tmp/log.txt', reopen: true }, null],
  ];
  for (const [name, input, errors] of cases) {
    it(name, () => expect(validateConfig(fileLog.schema, input).errors).toEqual(errors));
  }
  // Kong runs the Lua; hybridctl runs none, so the config is refused rather than half applied.
  it('accepts custom fields set by lua code (hybridctl: refused)', () => {
    expect(validateConfig(fileLog.schema, { path: '/tmp/log.txt', custom_fields_by_lua: { foo: "return 'bar'" } }).errors).toEqual({ custom_fields_by_lua: LUA_CODE_REFUSED });
  });
  it('(hybridctl) fills Kong\'s defaults', () => {
    expect(validateConfig(fileLog.schema, { path: '/tmp/log.txt' })).toEqual({ config: { path: '/tmp/log.txt', reopen: false, custom_fields_by_lua: null }, errors: null });
  });
});

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-file-log-'));
const path = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readOnly = path('read-only.log');
writeFileSync(readOnly, '');
chmodSync(readOnly, 0o400);

function fixture(): Record<string, unknown> {
  const route = (host: string, config: Record<string, unknown>) => ({ name: host, hosts: [host], plugins: [{ name: 'file-log', config }] });
  return {
    services: [{
      name: 'svc',
      routes: [
        route('file_logging.test', { path: path('file.log'), reopen: true }),
        route('file_logging2.test', { path: path('no/such/dir/file.log') }),
        route('file_logging3.test', { path: dir }),
        route('file_logging4.test', { path: path('kept-open.log'), reopen: false }),
        route('file_logging5.test', { path: readOnly }),
      ],
    }],
  };
}

const lines = (file: string): any[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

describe('file-log (spec/03-plugins/04-file-log/01-log_spec.lua)', () => {
  const h = useCluster(fixture);
  const send = async (host: string, uuid: string) => {
    const r = await h().send({ host, path: '/status/200', headers: { 'file-log-uuid': uuid } });
    expect(r.status).toBe(200);
  };
  const entryFor = (file: string, uuid: string) => until(async () => lines(file).find((l) => l.request.headers['file-log-uuid'] === uuid), `${uuid} in ${file}`);

  it('logs to file', async () => {
    const uuid = randomUUID();
    await send('file_logging.test', uuid);
    const entry = await entryFor(path('file.log'), uuid);
    expect(entry.client_ip).toBe('127.0.0.1');
    expect(typeof entry.request.size).toBe('number');
    expect(typeof entry.response.size).toBe('number');
    expect(entry.response.size).toBeGreaterThan(0);
    expect(entry.response.status).toBe(200);
    expect(entry.route.name).toBe('file_logging.test');
    expect(entry.service.name).toBe('svc');
    expect(entry.source).toBe('upstream');
    expect(entry.upstream_uri).toBe('/status/200');
    // Kong's buffered-response case reads a number; nginx's $upstream_status, as here, is a string.
    expect(entry.upstream_status).toBe('200');
  });

  it('reopens file on each request', async () => {
    const file = path('file.log');
    const [uuid1, uuid2, uuid3] = [randomUUID(), randomUUID(), randomUUID()];
    await send('file_logging.test', uuid1);
    await entryFor(file, uuid1);
    rmSync(file);
    await send('file_logging.test', uuid2);
    await send('file_logging.test', uuid3);
    await entryFor(file, uuid2);
    await entryFor(file, uuid3);
    expect(lines(file).some((l) => l.request.headers['file-log-uuid'] === uuid1)).toBe(false);
  });

  it('(hybridctl) reopens file on each request: a rotated (renamed) file is left alone', async () => {
    const file = path('file.log');
    const [before, after] = [randomUUID(), randomUUID()];
    await send('file_logging.test', before);
    await entryFor(file, before);
    renameSync(file, `${file}.1`);
    await send('file_logging.test', after);
    await entryFor(file, after);
    expect(lines(`${file}.1`).map((l) => l.request.headers['file-log-uuid'])).toContain(before);
    expect(lines(`${file}.1`).map((l) => l.request.headers['file-log-uuid'])).not.toContain(after);
  });

  it("does not create log file if directory doesn't exist", async () => {
    await send('file_logging2.test', randomUUID());
    await until(async () => h().lines.find((l) => String(l.msg).includes('[file-log] failed to open the file: No such file or directory')), 'the open error');
    expect(existsSync(path('no'))).toBe(false);
  });

  it('the given path is not a file but a directory', async () => {
    await send('file_logging3.test', randomUUID());
    await until(async () => h().lines.find((l) => String(l.msg).includes('[file-log] failed to open the file: Is a directory')), 'the open error');
  });

  it("logs are lost if reopen = false and file doesn't exist", async () => {
    const file = path('kept-open.log');
    const [uuid1, uuid2] = [randomUUID(), randomUUID()];
    await send('file_logging4.test', uuid1);
    await entryFor(file, uuid1);
    // A second name for the same file shows where the next line goes once the path is removed.
    linkSync(file, `${file}.link`);
    rmSync(file);
    await send('file_logging4.test', uuid2);
    await entryFor(`${file}.link`, uuid2);
    expect(existsSync(file)).toBe(false);
  });

  // root opens any file for writing, so the case only means something for other users.
  it.skipIf(process.getuid?.() === 0)('does not log if Kong has no write permissions to the file', async () => {
    await send('file_logging5.test', randomUUID());
    await until(async () => h().lines.find((l) => String(l.msg).includes('[file-log] failed to open the file: Permission denied')), 'the open error');
  });
});
