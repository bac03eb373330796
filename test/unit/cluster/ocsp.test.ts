// OCSP request and response handling checked against openssl: it reads our request and answers it
// from an index file (good, revoked, unknown), and we read its answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePemBlocks } from '../../../src/pki/pem.js';
import { parseCertificate, type Cert } from '../../../src/pki/cert.js';
import { certId, ocspRequest, parseOcspResponse } from '../../../src/cluster/ocsp-der.js';
import { ocspUrlOf } from '../../../src/cluster/ocsp.js';
import { EXT, makeRoot, makeSigned, openssl, type MadeCert } from '../../helpers/openssl.js';

let dir: string;
let ca: MadeCert;
let caCert: Cert;
const leaves: Record<string, Cert> = {};
const load = (path: string) => parseCertificate(parsePemBlocks(readFileSync(path, 'utf8'))[0]!.der);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ocsp-unit-'));
  ca = makeRoot(dir, 'ca');
  caCert = load(ca.crt);
  for (const name of ['good', 'revoked', 'absent']) {
    leaves[name] = load(makeSigned(dir, name, ca, `${EXT.client}\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:9/ocsp`).crt);
  }
  const serial = (c: Cert) => c.serial.toUpperCase();
  writeFileSync(join(dir, 'index.txt'), `V\t301231235959Z\t\t${serial(leaves.good!)}\tunknown\t/CN=good\nR\t301231235959Z\t250101000000Z\t${serial(leaves.revoked!)}\tunknown\t/CN=revoked\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function answer(leaf: Cert): ReturnType<typeof parseOcspResponse> {
  writeFileSync(join(dir, 'req.der'), ocspRequest(certId(leaf.der, caCert.der)));
  openssl(['ocsp', '-index', 'index.txt', '-rsigner', ca.crt, '-rkey', ca.key, '-CA', ca.crt, '-reqin', 'req.der', '-respout', 'resp.der'], dir);
  return parseOcspResponse(readFileSync(join(dir, 'resp.der')));
}

describe('OCSP', () => {
  it('reads the responder URL from the AIA extension', () => {
    expect(ocspUrlOf(leaves.good!)).toBe('http://127.0.0.1:9/ocsp');
  });

  it('openssl reads our request for the right serial', () => {
    writeFileSync(join(dir, 'req.der'), ocspRequest(certId(leaves.good!.der, caCert.der)));
    const text = openssl(['ocsp', '-reqin', 'req.der', '-req_text'], dir);
    expect(text).toMatch(/Hash Algorithm: sha1/);
    expect(text.replace(/\s/g, '')).toContain(`SerialNumber:${leaves.good!.serial.toUpperCase()}`);
  });

  it('reads good, revoked and unknown answers, for our CertID', () => {
    const id = certId(leaves.good!.der, caCert.der);
    const good = answer(leaves.good!);
    expect(good.single[0]!.status).toBe('good');
    expect(good.single[0]!.certId.equals(id)).toBe(true);
    expect(answer(leaves.revoked!).single[0]!.status).toBe('revoked');
    expect(answer(leaves.absent!).single[0]!.status).toBe('unknown');
    expect(good.sigAlg).toBe('1.2.840.10045.4.3.2');
  });
});
