import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ensureClusterCert } from '../../../src/daemon/cluster-cert.js';
import { resolvePrefix } from '../../../src/daemon/prefix.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hybridctl-daemon-'));

describe('ensureClusterCert', () => {
  it('generates a Kong-compatible shared pair once and reuses it', async () => {
    const dir = tmp();
    try {
      const first = await ensureClusterCert(dir, new Date());
      expect(first.generated).toBe(true);
      expect(statSync(first.keyPath).mode & 0o777).toBe(0o600);
      const cert = new X509Certificate(readFileSync(first.certPath));
      expect(cert.subject).toBe('CN=kong_clustering');
      const again = await ensureClusterCert(dir, new Date());
      expect(again.generated).toBe(false);
      expect(readFileSync(again.certPath, 'utf8')).toBe(cert.toString());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to replace half a pair silently', async () => {
    const dir = tmp();
    try {
      const first = await ensureClusterCert(dir, new Date());
      unlinkSync(first.keyPath);
      await expect(ensureClusterCert(dir, new Date())).rejects.toThrow(/cluster\.key is missing but .*cluster\.crt exists/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolvePrefix', () => {
  it('uses the prefix when it is writable, creating it', () => {
    const home = tmp();
    try {
      expect(resolvePrefix({ prefix: join(home, 'p'), home, explicit: true })).toEqual({ prefix: join(home, 'p'), fellBack: false });
      expect(statSync(join(home, 'p')).isDirectory()).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('falls back when the default prefix cannot be created (a file is in the way)', () => {
    const home = tmp();
    try {
      const blocker = join(home, 'file');
      writeFileSync(blocker, 'x');
      expect(resolvePrefix({ prefix: join(blocker, 'kong'), home, explicit: false })).toEqual({ prefix: join(home, '.hybridctl'), fellBack: true });
      expect(() => resolvePrefix({ prefix: join(blocker, 'kong'), home, explicit: true })).toThrow(/not writable/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
