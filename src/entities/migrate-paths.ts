// Declarative files in _format_version 1.1/2.1 predate Kong 3.0's explicit regex paths: a path that
// is not a plain path becomes `~regex`, with percent-encoded characters decoded one last time
// (reserved ones kept encoded, regex metacharacters escaped), as Kong migrates them on load.
const PLAIN = /^[a-zA-Z0-9.\-_~/%]*$/;
const RESERVED = new Set([0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x40, 0x5b, 0x5d]);
const META: Record<number, string> = { 0x2e: '\\.', 0x5e: '\\^', 0x2d: '\\-', 0x7b: '\\{', 0x7d: '\\}', 0x5c: '\\\\', 0x7c: '\\|' };

export function migrateLegacyPath(path: string): string {
  if (PLAIN.test(path)) return path;
  const decoded = path.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const n = parseInt(hex, 16);
    if (RESERVED.has(n)) return m.toUpperCase();
    return META[n] ?? String.fromCharCode(n);
  });
  return `~${decoded}`;
}
