// hybridctl demo: a PKI for a hybrid cluster in a temporary directory, checked end to end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePki } from '../../pki/generate.js';
import { certificatesFrom, readSource } from '../../pki/pem.js';
import { verifyChain } from '../../pki/verify/index.js';
import { writeFilesAtomically } from '../../util/atomic-write.js';
import type { Io } from '../io.js';
import { renderFiles, summarize } from '../render/files.js';

export async function demoAction(flags: { keep?: boolean; dir?: string }, io: Io): Promise<number> {
  const c = io.color;
  const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'hybridctl-demo-'));
  const now = io.now();
  io.err(c.bold(`1. generating a root CA, one intermediate, a CP and a DP certificate in ${dir}`));
  const files = (await generatePki({ intermediates: 1, cpHostnames: ['localhost', '127.0.0.1'], dpName: 'demo-dp', keySpec: { type: 'ec', curve: 'P-256' }, days: 365, caDays: 3650, now }))
    .map((f) => ({ ...f, name: join(dir, f.name) }));
  writeFilesAtomically(files.map((f) => ({ path: f.name, contents: f.contents, mode: f.secret ? 0o600 : 0o644 })), { force: Boolean(flags.dir) });
  io.out(renderFiles(summarize(files, now), c));

  io.err(c.bold('2. checking each certificate the way its peer will'));
  const ca = certificatesFrom(readSource(join(dir, 'ca.crt'), 'ca.crt'));
  let ok = true;
  for (const [file, role, serverName] of [['dp.crt', 'dp', undefined], ['cp.crt', 'cp', 'localhost'], ['cp.crt', 'dp', undefined]] as const) {
    const report = verifyChain({ presented: certificatesFrom(readSource(join(dir, file), file)), anchors: ca }, { role, serverName, at: now });
    const expectValid = !(file === 'cp.crt' && role === 'dp');
    ok &&= report.valid === expectValid;
    const verdict = report.valid ? c.green('valid') : c.red(`refused (${report.problems.map((p) => p.code).join(', ')})`);
    io.out(`  ${file} as a ${role === 'cp' ? 'control plane' : 'data plane'} certificate: ${verdict}${expectValid ? '' : c.dim('  (as it should be)')}`);
  }
  io.err(c.bold('3. next steps'));
  io.out(`  hybridctl verify-chain --cert ${join(dir, 'dp.crt')} --ca ${join(dir, 'ca.crt')}`);
  if (flags.keep || flags.dir) {
    io.out(`  files kept in ${dir}; remove them with: rm -r ${dir}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    io.out(`  (the demo directory was removed; pass --keep to keep it)`);
  }
  return ok ? 0 : 1;
}
