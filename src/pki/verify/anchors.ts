// Trust anchors indexed by subject name. A bundle can hold tens of thousands of certificates (a
// system store, concatenated); only those whose name a path asks for are fully parsed.
import { createHash } from 'node:crypto';
import { InputError, errorMessage } from '../../errors.js';
import { parseCertificate, type Cert } from '../cert.js';
import { certificateNames } from '../der-names.js';
import { certificatesFrom, parsePemBlocks, type Source } from '../pem.js';

interface Entry {
  der: Buffer;
  index: number;
  cert?: Cert;
}

export class AnchorIndex {
  private readonly bySubject = new Map<string, Entry[]>();
  private readonly what: string;
  private firstEntry: Entry | undefined;
  readonly size: number;

  private constructor(entries: Entry[], what: string) {
    this.what = what;
    this.size = entries.length;
    this.firstEntry = entries[0];
    for (const e of entries) {
      const key = certificateNames(e.der).subject.toString('hex');
      const list = this.bySubject.get(key);
      if (list) list.push(e);
      else this.bySubject.set(key, [e]);
    }
  }

  /** Certificates already parsed (from kong.conf, a test): indexed the same way. */
  static of(certs: readonly Cert[]): AnchorIndex {
    return new AnchorIndex(certs.map((cert, index) => ({ der: cert.der, index, cert })), 'anchors');
  }

  /** A PEM bundle: every CERTIFICATE block is indexed by name, none is parsed yet. */
  static fromPem(src: Source): AnchorIndex {
    const blocks = parsePemBlocks(src.text).filter((b) => b.label === 'CERTIFICATE');
    // No certificate at all: the reader's own message says what the file holds instead.
    if (blocks.length === 0) certificatesFrom(src);
    const entries = blocks.map((b, index) => ({ der: Buffer.from(b.der), index }));
    for (const e of entries) {
      try {
        certificateNames(e.der);
      } catch (err) {
        throw new InputError(`cannot read ${src.what}: certificate ${e.index + 1} is not a valid X.509 certificate (${errorMessage(err)})`);
      }
    }
    return new AnchorIndex(entries, src.what);
  }

  private parsed(e: Entry): Cert {
    if (!e.cert) {
      try {
        e.cert = parseCertificate(e.der);
      } catch (err) {
        throw new InputError(`cannot read ${this.what}: certificate ${e.index + 1} is not a valid X.509 certificate (${errorMessage(err)})`);
      }
    }
    return e.cert;
  }

  /** Anchors whose subject is the issuer named in `cert`. */
  issuersOf(cert: Cert): Cert[] {
    const key = certificateNames(cert.der).issuer.toString('hex');
    return (this.bySubject.get(key) ?? []).map((e) => this.parsed(e));
  }

  /** Whether this very certificate (same DER) is an anchor. */
  contains(cert: Cert): boolean {
    const key = certificateNames(cert.der).subject.toString('hex');
    return (this.bySubject.get(key) ?? []).some((e) => (e.cert?.sha256 ?? createHash('sha256').update(e.der).digest('hex')) === cert.sha256);
  }

  first(): Cert | undefined {
    return this.firstEntry ? this.parsed(this.firstEntry) : undefined;
  }
}
