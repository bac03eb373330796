// hybridctl verify-chain: read the files, judge the chain, render, exit 0/1.
import { UsageError } from '../../errors.js';
import { certificatesFrom, privateKeyFrom, readSource } from '../../pki/pem.js';
import { AnchorIndex, verifyChain } from '../../pki/verify/index.js';
import type { Io } from '../io.js';
import { instant, integerIn, oneOf, outputFormat } from '../options.js';
import { renderVerifyJson, renderVerifyText } from '../render/verify.js';

export interface VerifyChainFlags {
  cert?: string;
  chain?: string;
  ca?: string;
  key?: string;
  role?: string;
  serverName?: string;
  mode?: string;
  maxIntermediates?: string;
  at?: string;
  output?: string;
}

export async function verifyChainAction(flags: VerifyChainFlags, io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  if (!flags.cert) throw new UsageError('--cert is required', { hint: 'e.g. hybridctl verify-chain --cert dp.crt --ca ca.crt' });
  if (!flags.ca) throw new UsageError('--ca is required (pki: the root CA, cluster_ca_cert; shared: the pinned cluster_cert)');
  const mode = oneOf('--mode', flags.mode, ['pki', 'shared'] as const, 'pki');
  const role = oneOf('--role', flags.role, ['cp', 'dp'] as const, 'dp');
  const maxIntermediates = integerIn('--max-intermediates', flags.maxIntermediates, 0, 16) ?? 3;
  const at = instant('--at', flags.at) ?? io.now();
  if (flags.serverName !== undefined && role !== 'cp') {
    throw new UsageError('--server-name checks the control plane certificate; add --role cp');
  }

  const presented = certificatesFrom(readSource(flags.cert, '--cert'));
  const chain = flags.chain ? certificatesFrom(readSource(flags.chain, '--chain')) : [];
  // Indexed by name, parsed only where a path needs them: a bundle of 80,000 stays quick.
  const anchors = AnchorIndex.fromPem(readSource(flags.ca, '--ca'));
  const key = flags.key ? privateKeyFrom(readSource(flags.key, '--key')) : undefined;

  const report = verifyChain({ presented, chain, anchors, key }, { mode, role, serverName: flags.serverName, maxIntermediates, at, names: { cert: '--cert', chain: '--chain', ca: '--ca', key: '--key' } });
  io.out(format === 'json' ? renderVerifyJson(report) : renderVerifyText(report, io.color, at));
  return report.valid ? 0 : 1;
}
