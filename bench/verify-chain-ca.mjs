#!/usr/bin/env node
// verify-chain against a huge --ca bundle (a system store concatenated many times over, say):
// N unrelated self-signed roots with the real root in the middle, timed end to end, best of 3.
// Bound stated: 82,000 anchors verify in a few seconds (parsing the PEM dominates), not minutes.
// Usage: npm run build && node bench/verify-chain-ca.mjs [N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manyRoots } from './many-roots.mjs';

const N = Number(process.argv[2] ?? 82_000);
const BIN = new URL('../bin/hybridctl.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bench-verify-ca-'));
try {
  execFileSync(process.execPath, [BIN, 'gen-cert', '--mode', 'pki', '--out-dir', dir], { stdio: 'ignore' });
  const t0 = performance.now();
  const others = await manyRoots(N);
  const half = others.length >> 1;
  writeFileSync(join(dir, 'bundle.crt'), others.slice(0, half).join('') + readFileSync(join(dir, 'ca.crt'), 'utf8') + others.slice(half).join(''));
  console.log(`generated ${N} roots in ${Math.round(performance.now() - t0)} ms`);
  const times = [];
  for (let r = 0; r < 3; r++) {
    const s = performance.now();
    execFileSync(process.execPath, [BIN, 'verify-chain', '--cert', join(dir, 'dp.crt'), '--ca', join(dir, 'bundle.crt')], { stdio: 'ignore' });
    times.push(performance.now() - s);
  }
  console.log(`verify-chain with ${N + 1} anchors: best ${Math.round(Math.min(...times))} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
