// Durations in words for summaries ("in 3 years", "2 days ago").
const UNITS: [string, number][] = [
  ['year', 365 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

export function inWords(ms: number): string {
  const abs = Math.abs(ms);
  for (const [name, size] of UNITS) {
    // Years only when whole-ish, so 365 days reads "365 days" rather than "1 year".
    if (name === 'year' && abs < 2 * size) continue;
    if (abs >= size) {
      const n = Math.round(abs / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return 'less than a minute';
}

export function expiryInWords(notAfter: Date, now: Date): string {
  const ms = notAfter.getTime() - now.getTime();
  return ms >= 0 ? `expires in ${inWords(ms)}` : `expired ${inWords(ms)} ago`;
}
