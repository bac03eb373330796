// Builds dist/hybridctl: one linux-x64 executable (Node's single-executable support + postject)
// that runs without Node or node_modules, native LMDB addon included.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = 'dist/sea';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const lmdbAddon = ['node_modules/@lmdb/lmdb-linux-x64/node.napi.glibc.node'].find(existsSync);
const nativeShim = {
  name: 'sea-native',
  setup(b) {
    // lmdb finds its addon through node-gyp-build; inside the executable it comes from an asset.
    b.onResolve({ filter: /^node-gyp-build-optional-packages$/ }, () => ({ path: resolve('scripts/sea-native-shim.cjs') }));
    // Optional accelerators: their JavaScript fallbacks are used.
    b.onResolve({ filter: /^(msgpackr-extract|bufferutil|utf-8-validate)$/ }, (a) => ({ path: a.path, namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (a) => ({ contents: `throw new Error('${a.path} is not available in the single executable')`, loader: 'js' }));
  },
};

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: `${out}/hybridctl.cjs`,
  conditions: ['require', 'node'],
  mainFields: ['main', 'module'],
  minify: true,
  keepNames: true,
  legalComments: 'none',
  define: { __HYBRIDCTL_VERSION__: JSON.stringify(pkg.version) },
  plugins: [nativeShim],
  logLevel: 'warning',
});

const config = {
  main: `${out}/hybridctl.cjs`,
  output: `${out}/sea-prep.blob`,
  disableExperimentalSEAWarning: true,
  useCodeCache: false,
  assets: lmdbAddon ? { 'lmdb.node': lmdbAddon } : {},
};
writeFileSync(`${out}/sea-config.json`, JSON.stringify(config, null, 2));
execFileSync(process.execPath, ['--experimental-sea-config', `${out}/sea-config.json`], { stdio: 'inherit' });

const target = 'dist/hybridctl';
rmSync(target, { force: true });
copyFileSync(process.execPath, target);
chmodSync(target, 0o755);
execFileSync(process.execPath, [resolve('node_modules/postject/dist/cli.js'), target, 'NODE_SEA_BLOB', `${out}/sea-prep.blob`,
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: ['ignore', 'ignore', 'inherit'] });
console.log(`built ${target}${lmdbAddon ? ' (with the LMDB addon)' : ''}`);
