// verifyChain names its inputs as the caller speaks: kong.conf keys in a daemon's log, flags in verify-chain.
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../../src/pki/verify/index.js';
import { chainOf, NOW } from '../../helpers/pki.js';

describe('verifyChain wording', () => {
  it('speaks of cluster_ca_cert by default (daemon logs) and of the flags only when verify-chain names them', async () => {
    const { leaf, root } = await chainOf(1);
    const at = new Date(NOW.getTime() + 86_400_000);
    const daemon = verifyChain({ presented: [leaf.cert], anchors: [root.cert] }, { at });
    expect(daemon.problems[0]!.message).toContain('was not found in the presented certificate, the presented chain or cluster_ca_cert');
    expect(JSON.stringify(daemon.problems)).not.toMatch(/--ca\b|--chain|--cert\b/);
    const cli = verifyChain({ presented: [leaf.cert], anchors: [root.cert] }, { at, names: { cert: '--cert', chain: '--chain', ca: '--ca', key: '--key' } });
    expect(cli.problems[0]!.message).toContain('was not found in --cert, --chain or --ca');
  });
});
