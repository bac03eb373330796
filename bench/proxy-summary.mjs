// The table bench/proxy.sh prints from its runs file (label, rps, p50, p99, cpu µs/request per
// line, one line per target per round): the median of the rounds for each figure, then each
// hybridctl target's ratios to nginx measured in the same rounds, and the goals they are held to.
import { readFileSync } from 'node:fs';

const ms = (v) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v ?? '');
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
};
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const byLabel = new Map();
for (const line of readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean)) {
  const [label, rps, p50, p99, cpu] = line.split('\t');
  if (!byLabel.has(label)) byLabel.set(label, []);
  byLabel.get(label).push({ rps: Number(rps), p50: ms(p50), p99: ms(p99), cpu: Number(cpu) });
}
const fig = new Map([...byLabel].map(([label, runs]) => [label, {
  rps: median(runs.map((r) => r.rps)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), cpu: median(runs.map((r) => r.cpu)), rounds: runs.length,
}]));

const f = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
console.log(`${'target'.padEnd(30)}${'rps'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'cpu µs/req'.padStart(12)}`);
for (const [label, x] of fig) console.log(`${label.padEnd(30)}${f(x.rps, 0).padStart(10)}${f(x.p50).padStart(10)}${f(x.p99).padStart(10)}${f(x.cpu, 1).padStart(12)}`);

// Ratios are taken within each round (the targets of a round ran minutes apart at most, the
// rounds maybe under different load from the rest of the machine), then their median and range.
const ratio = (a, b, key) => {
  const ra = byLabel.get(a) ?? [];
  const rb = byLabel.get(b) ?? [];
  const per = ra.slice(0, rb.length).map((x, i) => x[key] / rb[i][key]).filter((x) => Number.isFinite(x));
  if (per.length === 0) return '-';
  return `${f(median(per))} (${f(Math.min(...per))}–${f(Math.max(...per))})`;
};
const NGINX = 'nginx proxy, 1 worker';
if (byLabel.has(NGINX)) {
  console.log(`\nratios to nginx, median of the ${byLabel.get(NGINX).length} rounds' own ratios (range): cpu/request (goal <= 2.0), rps (goal >= 0.5), p99 (goal <= 3.0)`);
  for (const label of ['hybridctl, 1 route', 'hybridctl, 10,000 routes', '100 routes, no plugins', '100 routes, key-auth+rl']) {
    if (byLabel.has(label)) console.log(`  ${label.padEnd(26)} cpu ${ratio(label, NGINX, 'cpu').padEnd(18)} rps ${ratio(label, NGINX, 'rps').padEnd(18)} p99 ${ratio(label, NGINX, 'p99')}`);
  }
}
if (byLabel.has('hybridctl, 1 route') && byLabel.has('hybridctl, 10,000 routes')) {
  console.log(`\n10,000 routes / 1 route: rps ${ratio('hybridctl, 10,000 routes', 'hybridctl, 1 route', 'rps')} (goal >= 0.90), cpu per request ${ratio('hybridctl, 10,000 routes', 'hybridctl, 1 route', 'cpu')}`);
}
if (byLabel.has('100 routes, no plugins') && byLabel.has('100 routes, key-auth+rl')) {
  console.log(`key-auth + rate-limiting / no plugins (100 routes, 100 consumers): rps ${ratio('100 routes, key-auth+rl', '100 routes, no plugins', 'rps')} (Kong 3.10 publishes 0.72)`);
  console.log(`cpu per request, plugins / no plugins: ${ratio('100 routes, key-auth+rl', '100 routes, no plugins', 'cpu')}`);
}
