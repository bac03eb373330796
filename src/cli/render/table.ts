// Plain aligned columns, as kumactl prints its lists.
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `   ${cells.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()}`;
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n');
}
