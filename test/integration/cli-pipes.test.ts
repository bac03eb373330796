// A reader that stops early (`| head -1`) ends the output quietly: exit 0 and no stack trace, as for
// any well-behaved command-line tool.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BIN } from '../helpers/cli.js';

function piped(args: string): { status: string; stderr: string; first: string } {
  const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${args} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
    encoding: 'utf8', env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
  const status = /status=(\d+)/.exec(r.stderr)?.[1] ?? '';
  return { status, stderr: r.stderr.replace(/status=\d+\n?/, ''), first: r.stdout };
}

describe('output into a pipe that closes early', () => {
  for (const args of ['completion fish', 'completion bash', 'cp run --help', 'dp run --help']) {
    it(`hybridctl ${args} | head -1`, () => {
      const r = piped(args);
      expect(r.first.length).toBeGreaterThan(0);
      expect(r.stderr).toBe('');
      expect(r.status).toBe('0');
    });
  }
});
