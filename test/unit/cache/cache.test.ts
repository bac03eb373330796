import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { openConfigCache } from '../../../src/cache/index.js';
import { stableNodeId } from '../../../src/cache/node-id.js';
import { createLogger } from '../../../src/log.js';
import { tempDir } from '../../helpers/cli.js';

function logger() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}
const keyPem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const TABLE = { _format_version: '3.0', services: [{ id: 's1', name: 'secret-service-name', host: 'up.internal' }] };

describe('config cache', () => {
  it('round-trips the last config through a restart, in Kong\'s dbless.lmdb directory', async () => {
    const prefix = tempDir();
    const { log } = logger();
    const a = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(a.load()).toBeNull();
    await a.save(TABLE, 'a'.repeat(32));
    await a.save({ ...TABLE, routes: [] }, 'b'.repeat(32));
    await a.close();
    expect(statSync(join(prefix, 'dbless.lmdb')).isDirectory()).toBe(true);
    expect(statSync(join(prefix, 'dbless.lmdb')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(prefix, 'dbless.lmdb')).sort()).toEqual(['data.mdb', 'lock.mdb']);
    const b = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(b.load()).toEqual({ configTable: { ...TABLE, routes: [] }, hash: 'b'.repeat(32) });
    await b.close();
  });

  it('moves a damaged cache aside with a warning instead of crashing', async () => {
    const prefix = tempDir();
    mkdirSync(join(prefix, 'dbless.lmdb'));
    writeFileSync(join(prefix, 'dbless.lmdb', 'data.mdb'), Buffer.alloc(8192, 0x5a));
    const { log, lines } = logger();
    const c = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(c.load()).toBeNull();
    expect(lines.join('\n')).toMatch(/\[warn\].*config cache is damaged/);
    await c.save(TABLE, 'c'.repeat(32));
    expect(c.load()?.hash).toBe('c'.repeat(32));
    await c.close();
    expect(readdirSync(prefix).some((f) => f.startsWith('dbless.lmdb.corrupt-'))).toBe(true);
  });

  it('encrypted mode keeps no plaintext on disk and refuses another key', async () => {
    const prefix = tempDir();
    const key = keyPem();
    const { log, lines } = logger();
    const c = openConfigCache({ prefix, mode: 'encrypted', keyPem: key, log });
    await c.save(TABLE, 'd'.repeat(32));
    await c.close();
    const disk = readFileSync(join(prefix, 'dbless.lmdb', 'data.mdb'));
    expect(disk.includes(Buffer.from('secret-service-name'))).toBe(false);
    expect(disk.includes(Buffer.from('d'.repeat(32)))).toBe(false);
    const same = openConfigCache({ prefix, mode: 'encrypted', keyPem: key, log });
    expect(same.load()?.configTable).toEqual(TABLE);
    await same.close();
    const other = openConfigCache({ prefix, mode: 'encrypted', keyPem: keyPem(), log });
    expect(other.load()).toBeNull();
    await other.close();
    expect(lines.join('\n')).toMatch(/could not read the config cache/);
  });

  it('mode off neither reads nor writes', async () => {
    const prefix = tempDir();
    const c = openConfigCache({ prefix, mode: 'off', log: logger().log });
    await c.save(TABLE, 'e'.repeat(32));
    expect(c.load()).toBeNull();
    expect(readdirSync(prefix)).toEqual([]);
  });
});

describe('node id', () => {
  it('is a UUID created once and kept in <prefix>/kong.id', () => {
    const prefix = tempDir();
    const id = stableNodeId(prefix);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stableNodeId(prefix)).toBe(id);
    expect(readFileSync(join(prefix, 'kong.id'), 'utf8').trim()).toBe(id);
    writeFileSync(join(prefix, 'kong.id'), 'garbage');
    expect(stableNodeId(prefix)).not.toBe(id);
  });
});
