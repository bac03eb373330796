// The whole tree (sources, tests, scripts) type-checks under strict settings: the bundle is built
// by esbuild, which does not check types, so this is where a type error fails CI.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

describe('typescript', () => {
  it('tsc --noEmit reports no errors', () => {
    const r = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT, '--noEmit'], { encoding: 'utf8', cwd: ROOT });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});
