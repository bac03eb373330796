// multipart/form-data bodies for request-transformer (Kong uses the lua-multipart library): parts
// kept byte for byte (latin1 strings), so file uploads survive a rename or an added field.
interface Part {
  name: string;
  /** The part's header block as received, or null for fields this plugin created. */
  head: string | null;
  value: string;
}

export class Multipart {
  private constructor(private readonly boundary: string, private parts: Part[]) {}

  static parse(body: Buffer, contentType: string): Multipart | null {
    const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const boundary = m?.[1] ?? m?.[2];
    if (!boundary) return null;
    const parts: Part[] = [];
    const text = body.toString('latin1');
    for (const chunk of text.split(`--${boundary}`)) {
      const sep = chunk.indexOf('\r\n\r\n');
      if (sep === -1) continue;
      const head = chunk.slice(chunk.startsWith('\r\n') ? 2 : 0, sep);
      const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
      if (name === undefined) continue;
      let value = chunk.slice(sep + 4);
      if (value.endsWith('\r\n')) value = value.slice(0, -2);
      parts.push({ name, head, value });
    }
    return new Multipart(boundary, parts);
  }

  has(name: string): boolean {
    return this.parts.some((p) => p.name === name);
  }

  get(name: string): string | undefined {
    return this.parts.find((p) => p.name === name)?.value;
  }

  delete(name: string): void {
    this.parts = this.parts.filter((p) => p.name !== name);
  }

  /** Kong: the value moves to a new simple field under the new name. */
  rename(oldName: string, newName: string): boolean {
    const p = this.parts.find((x) => x.name === oldName);
    if (!p || oldName === newName) return false;
    this.delete(oldName);
    this.parts.push({ name: newName, head: null, value: p.value });
    return true;
  }

  /** A simple text field; `value` is UTF-8 text. */
  setSimple(name: string, value: string): void {
    this.parts.push({ name, head: null, value: Buffer.from(value, 'utf8').toString('latin1') });
  }

  toBuffer(): Buffer {
    let out = '';
    for (const p of this.parts) {
      const head = p.head ?? `Content-Disposition: form-data; name="${p.name.replace(/"/g, '%22')}"`;
      out += `--${this.boundary}\r\n${head}\r\n\r\n${p.value}\r\n`;
    }
    out += `--${this.boundary}--\r\n`;
    return Buffer.from(out, 'latin1');
  }
}
