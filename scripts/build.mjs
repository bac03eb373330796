// Bundles the CLI. dist/cli/ is ESM split into chunks so a command loads only what it uses
// (start-up stays near bare Node); dist/hybridctl.cjs is one CommonJS file for the single executable.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const only = process.argv[2];

const common = {
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'none',
  minify: true,
  keepNames: true,
  define: { __HYBRIDCTL_VERSION__: JSON.stringify(pkg.version) },
  // Optional native accelerators; ws, msgpackr and pg fall back to JavaScript without them.
  external: ['bufferutil', 'utf-8-validate', 'msgpackr-extract', 'pg-native'],
  logLevel: 'warning',
};

if (only !== 'cjs') {
  rmSync('dist/cli', { recursive: true, force: true });
  await build({
    ...common,
    format: 'esm',
    splitting: true,
    outdir: 'dist/cli',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // lmdb finds its native addon relative to its own package; the single executable uses a shim instead.
    external: [...common.external, 'lmdb'],
    // CommonJS dependencies inside an ES module still call require() for Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}
if (only !== 'esm') {
  await build({ ...common, format: 'cjs', outfile: 'dist/hybridctl.cjs', conditions: ['require', 'node'], mainFields: ['main', 'module'] });
}
