// Writes completions/ and man/ from the built CLI's command tree (run `npm run docs` after changing flags).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

const cli = (...args) => execFileSync(process.execPath, ['bin/hybridctl.js', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

mkdirSync('completions', { recursive: true });
writeFileSync('completions/hybridctl.bash', cli('completion', 'bash'));
writeFileSync('completions/_hybridctl', cli('completion', 'zsh'));
writeFileSync('completions/hybridctl.fish', cli('completion', 'fish'));

mkdirSync('man', { recursive: true });
for (const f of readdirSync('man')) rmSync(`man/${f}`);
for (const page of cli('man', '--list').trim().split('\n')) {
  // `hybridctl man cp-run` and `hybridctl man cp run` name the same page.
  const name = page.replace(/\.1$/, '').replace(/^hybridctl-?/, '');
  writeFileSync(`man/${page}`, name ? cli('man', name) : cli('man'));
}
// package.json's man field lists every page, so `npm install -g` installs them all.
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
pkg.man = readdirSync('man').sort().map((f) => `./man/${f}`);
writeFileSync('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
console.log('wrote completions/, man/ and the man field of package.json');
