#!/usr/bin/env node
// Parsing and linting cost of kong.conf: a generated file of N MB (every known key, long values,
// `\#` escapes, comments, unknown keys) linted by the built CLI, best of 5 runs.
// Bound stated: a 1 MB file lints in under 1 s end to end (process start included), and so does a
// hostile one of the same size (one huge line of `\#` escapes, a huge junk key, a run of backslashes).
// Usage: npm run build && node bench/conf-parse.mjs [MB]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MB = Number(process.argv[2] ?? 1);
const BIN = new URL('../bin/hybridctl.js', import.meta.url).pathname;
const keys = [...readFileSync(new URL('../test/fixtures/kong/kong.conf.default', import.meta.url), 'utf8').matchAll(/^#([a-z_0-9]+) *=/gm)].map((m) => m[1]);
const lines = [];
let size = 0;
for (let i = 0; size < MB * 1024 * 1024; i++) {
  const line =
    i % 7 === 0 ? `# comment ${'x'.repeat(60)}` :
    i % 11 === 0 ? `unknown_key_${i} = value` :
    `${keys[i % keys.length]} = ${'v\\#'.repeat(20)}${i} # trailing`;
  lines.push(line);
  size += line.length + 1;
}
function bestOf(file) {
  const times = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    try {
      execFileSync(process.execPath, [BIN, 'lint', file, '-o', 'json'], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 << 28 });
    } catch (err) {
      if (err.status !== 1) throw err; // findings are expected: the file is full of junk
    }
    times.push(performance.now() - t0);
  }
  return Math.min(...times);
}

const dir = mkdtempSync(join(tmpdir(), 'hybridctl-conf-bench-'));
try {
  const bound = MB * 1000;
  const file = join(dir, 'kong.conf');
  writeFileSync(file, lines.join('\n'));
  const best = bestOf(file);
  console.log(`lint of a ${(size / 1048576).toFixed(2)} MB kong.conf (${lines.length} lines): best ${best.toFixed(0)} ms of 5 (bound: < ${bound} ms)`);
  const third = Math.floor((MB * 1024 * 1024) / 3);
  const hostile = join(dir, 'hostile.conf');
  writeFileSync(hostile, `pg_password = ${'\\#'.repeat(third / 2)}\n${'k'.repeat(third)} = v\n${'\\'.repeat(third)}#\n`);
  const worst = bestOf(hostile);
  console.log(`lint of a ${MB} MB hostile kong.conf (huge lines, deep \\# runs): best ${worst.toFixed(0)} ms of 5 (bound: < ${bound} ms)`);
  process.exitCode = best < bound && worst < bound ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
