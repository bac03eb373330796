import { describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { verifyChain, PROBLEM_CODES, type VerifyReport } from '../../../src/pki/verify/index.js';
import { chainOf, child, root, NOW } from '../../helpers/pki.js';

const codes = (r: VerifyReport) => r.problems.map((p) => p.code);
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

describe('a valid path', () => {
  it('verifies root → 1 intermediate → dp leaf, with the bundle in any order', async () => {
    const { root: r, inters, leaf } = await chainOf(2);
    const report = verifyChain({ presented: [leaf.cert, inters[0]!.cert, inters[1]!.cert], anchors: [r.cert] }, { at: days(1) });
    expect(report.valid).toBe(true);
    expect(report.path.map((p) => p.subject)).toEqual(['CN=dp-1', 'CN=Inter 2', 'CN=Inter 1', 'CN=Test Root']);
    expect(report.path.map((p) => p.isCA)).toEqual([false, true, true, true]);
  });

  it('accepts a self-signed certificate that is itself the anchor (a CP pinned by its DP)', async () => {
    const r = await root('cp-self');
    // No extendedKeyUsage: any purpose, as OpenSSL (and so Kong) sees it.
    expect(verifyChain({ presented: [r.cert], anchors: [r.cert] }, { role: 'cp', at: days(1) }).problems.map((p) => p.code)).toEqual([]);
  });
});

describe('untrusted', () => {
  it('is reported when an intermediate is missing', async () => {
    const { root: r, leaf } = await chainOf(1);
    const report = verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { at: days(1) });
    expect(codes(report)).toEqual(['untrusted']);
    expect(report.problems[0]!.message).toContain("issuer 'CN=Inter 1'");
    expect(report.path).toHaveLength(1);
  });

  it('is reported when the chain belongs to another root', async () => {
    const { inters, leaf } = await chainOf(1);
    const other = await root('Other Root');
    expect(codes(verifyChain({ presented: [leaf.cert, inters[0]!.cert], anchors: [other.cert] }, { at: days(1) }))).toEqual(['untrusted']);
  });

  it('names a signature that does not verify (same issuer name, different key)', async () => {
    const { leaf } = await chainOf(0);
    const impostor = await root('Test Root');
    const report = verifyChain({ presented: [leaf.cert], anchors: [impostor.cert] }, { at: days(1) });
    expect(codes(report)).toEqual(['untrusted']);
    expect(report.problems[0]!.message).toMatch(/signature .* does not verify/);
  });
});

describe('depth', () => {
  it('accepts 3 intermediates and refuses 4 by default', async () => {
    const three = await chainOf(3);
    expect(verifyChain({ presented: [three.leaf.cert, ...three.inters.map((i) => i.cert)], anchors: [three.root.cert] }, { at: days(1) }).valid).toBe(true);
    const four = await chainOf(4);
    const report = verifyChain({ presented: [four.leaf.cert, ...four.inters.map((i) => i.cert)], anchors: [four.root.cert] }, { at: days(1) });
    expect(codes(report)).toEqual(['depth']);
    expect(verifyChain({ presented: [four.leaf.cert, ...four.inters.map((i) => i.cert)], anchors: [four.root.cert] }, { at: days(1), maxIntermediates: 4 }).valid).toBe(true);
  });
});

describe('ca', () => {
  it('refuses a path through a certificate that is not a CA', async () => {
    const { root: r, leaf } = await chainOf(0);
    const rogue = await child(leaf, 'dp', 'rogue');
    const report = verifyChain({ presented: [rogue.cert, leaf.cert], anchors: [r.cert] }, { at: days(1) });
    expect(codes(report)).toContain('ca');
    expect(report.problems.find((p) => p.code === 'ca')!.certificate).toBe(1);
  });
});

describe('pathlen', () => {
  it('refuses an intermediate below a CA with pathlen 0', async () => {
    const r = await root();
    const i1 = await child(r, 'intermediate', 'Inter 1', { pathLen: 0 });
    const i2 = await child(i1, 'intermediate', 'Inter 2');
    const leaf = await child(i2, 'dp', 'dp-1');
    const report = verifyChain({ presented: [leaf.cert, i2.cert, i1.cert], anchors: [r.cert] }, { at: days(1) });
    expect(codes(report)).toEqual(['pathlen']);
    expect(report.problems[0]!.certificate).toBe(2);
  });
});

describe('ca-not-root', () => {
  it('refuses an intermediate given as the trust anchor', async () => {
    const { inters, leaf } = await chainOf(1);
    const report = verifyChain({ presented: [leaf.cert], anchors: [inters[0]!.cert] }, { at: days(1) });
    expect(codes(report)).toEqual(['ca-not-root']);
  });
});

describe('eku', () => {
  it('refuses a CP certificate presented as a DP and the reverse', async () => {
    const cp = await chainOf(1, 'cp');
    const dp = await chainOf(1, 'dp');
    expect(codes(verifyChain({ presented: [cp.leaf.cert, cp.inters[0]!.cert], anchors: [cp.root.cert] }, { role: 'dp', at: days(1) }))).toEqual(['eku']);
    expect(codes(verifyChain({ presented: [dp.leaf.cert, dp.inters[0]!.cert], anchors: [dp.root.cert] }, { role: 'cp', at: days(1) }))).toEqual(['eku']);
    expect(verifyChain({ presented: [cp.leaf.cert, cp.inters[0]!.cert], anchors: [cp.root.cert] }, { role: 'cp', at: days(1) }).valid).toBe(true);
  });

  it('accepts an absent EKU for either role (OpenSSL: any purpose), warning no-eku in pki mode only', async () => {
    const r = await root();
    const leaf = await child(r, 'shared', 'no-eku');
    for (const role of ['cp', 'dp'] as const) {
      const report = verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { role, at: days(1) });
      expect(codes(report)).toEqual([]);
      expect(report.warnings.map((w) => w.code)).toContain('no-eku');
    }
    const shared = verifyChain({ presented: [leaf.cert], anchors: [leaf.cert] }, { mode: 'shared', at: days(1) });
    expect(shared.valid).toBe(true);
    expect(shared.warnings.map((w) => w.code)).not.toContain('no-eku');
  });
});

describe('hostname', () => {
  it('checks --server-name against the DNS SANs', async () => {
    const { root: r, leaf } = await chainOf(0, 'cp');
    expect(verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { role: 'cp', serverName: 'cp.test', at: days(1) }).valid).toBe(true);
    const bad = verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { role: 'cp', serverName: 'other.test', at: days(1) });
    expect(codes(bad)).toEqual(['hostname']);
    expect(bad.problems[0]!.message).toContain('DNS:cp.test');
  });
});

describe('expired / not-yet-valid', () => {
  it('judges validity at the given instant for every certificate in the path', async () => {
    const { root: r, leaf } = await chainOf(0);
    expect(codes(verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { at: days(400) }))).toEqual(['expired']);
    expect(codes(verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { at: days(-1) }))).toEqual(['not-yet-valid', 'not-yet-valid']);
    expect(codes(verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { at: days(4000) }))).toEqual(['expired', 'expired']);
  });
});

describe('weak-key', () => {
  it('accepts P-256, P-384, RSA 2048 and Ed25519 keys', async () => {
    const r = await root();
    for (const keySpec of [{ type: 'ec', curve: 'P-384' }, { type: 'rsa', bits: 2048 }, { type: 'ed25519' }] as const) {
      const leaf = await child(r, 'dp', 'dp', { keySpec });
      expect(verifyChain({ presented: [leaf.cert], anchors: [r.cert] }, { at: days(1) }).valid).toBe(true);
    }
  });
});

describe('pinned', () => {
  it('requires the very same certificate in shared mode', async () => {
    const a = await root('kong_clustering');
    const b = await root('kong_clustering');
    expect(verifyChain({ presented: [a.cert], anchors: [a.cert] }, { mode: 'shared', at: days(1) }).valid).toBe(true);
    const report = verifyChain({ presented: [a.cert], anchors: [b.cert] }, { mode: 'shared', at: days(1) });
    expect(codes(report)).toEqual(['pinned']);
  });
});

describe('key-mismatch', () => {
  it('compares --key with the leaf', async () => {
    const { root: r, leaf } = await chainOf(0);
    const other = await chainOf(0);
    expect(verifyChain({ presented: [leaf.cert], anchors: [r.cert], key: createPrivateKey(leaf.keyPem) }, { at: days(1) }).valid).toBe(true);
    expect(codes(verifyChain({ presented: [leaf.cert], anchors: [r.cert], key: createPrivateKey(other.leaf.keyPem) }, { at: days(1) }))).toEqual(['key-mismatch']);
  });
});

describe('every problem, not only the first', () => {
  it('reports eku, expired and key-mismatch together', async () => {
    const { root: r, leaf } = await chainOf(0, 'cp');
    const other = await chainOf(0);
    const report = verifyChain({ presented: [leaf.cert], anchors: [r.cert], key: createPrivateKey(other.leaf.keyPem) }, { role: 'dp', at: days(400) });
    expect(new Set(codes(report))).toEqual(new Set(['eku', 'expired', 'key-mismatch']));
    for (const p of report.problems) expect(PROBLEM_CODES).toContain(p.code);
  });
});

describe('warnings', () => {
  it('warns about a leaf expiring within 30 days and extra bundle certificates, without failing', async () => {
    const { root: r, leaf } = await chainOf(0);
    const stray = await root('Stray');
    const report = verifyChain({ presented: [leaf.cert, stray.cert], anchors: [r.cert] }, { at: days(350) });
    expect(report.valid).toBe(true);
    expect(report.warnings.map((w) => w.code).sort()).toEqual(['expires-soon', 'extra-certificate']);
  });
});
