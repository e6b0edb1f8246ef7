/**
 * A set of byte addresses, sparse by 4 KiB page, with a one-entry page cache:
 * the detectors mark every fetched instruction, so this is on the hot path.
 * Each byte holds a small tag (0 = absent), e.g. which core wrote it.
 */
export class AddressSet {
  private pages = new Map<number, Uint8Array>();
  private lastPage = -1;
  private lastBytes: Uint8Array | undefined;
  size = 0;

  private page(p: number, create: boolean): Uint8Array | undefined {
    if (p === this.lastPage) return this.lastBytes;
    let b = this.pages.get(p);
    if (!b && create) {
      b = new Uint8Array(4096);
      this.pages.set(p, b);
    }
    if (b) {
      this.lastPage = p;
      this.lastBytes = b;
    }
    return b;
  }

  /** tags [address, address+length); returns whether any byte was new */
  add(address: number, length: number, tag = 1): boolean {
    let fresh = false;
    for (let a = address; a < address + length; a++) {
      const b = this.page(a >>> 12, true)!;
      const i = a & 0xfff;
      if (!b[i]) { fresh = true; this.size++; }
      b[i] = tag;
    }
    return fresh;
  }

  /** the first tagged byte of [address, address+length), or -1 */
  find(address: number, length: number): number {
    if (this.size === 0) return -1;
    for (let a = address; a < address + length; a++) {
      const b = this.page(a >>> 12, false);
      if (b && b[a & 0xfff]) return a;
    }
    return -1;
  }

  remove(address: number, length: number): void {
    for (let a = address; a < address + length; a++) {
      const b = this.page(a >>> 12, false);
      if (b && b[a & 0xfff]) { b[a & 0xfff] = 0; this.size--; }
    }
  }

  tag(address: number): number {
    const b = this.page(address >>> 12, false);
    return b ? b[address & 0xfff]! : 0;
  }

  clear(): void {
    if (this.size === 0) return;
    this.pages.clear();
    this.lastPage = -1;
    this.lastBytes = undefined;
    this.size = 0;
  }
}

/** A number per RAM word, sparse by 4 KiB page (0 reads as absent). */
export class WordMap {
  private pages = new Map<number, Uint32Array>();
  private lastPage = -1;
  private lastWords: Uint32Array | undefined;

  private page(p: number, create: boolean): Uint32Array | undefined {
    if (p === this.lastPage) return this.lastWords;
    let w = this.pages.get(p);
    if (!w && create) {
      w = new Uint32Array(1024);
      this.pages.set(p, w);
    }
    if (w) {
      this.lastPage = p;
      this.lastWords = w;
    }
    return w;
  }

  set(address: number, value: number): void {
    this.page(address >>> 12, true)![(address & 0xfff) >>> 2] = value;
  }

  get(address: number): number | undefined {
    const v = this.page(address >>> 12, false)?.[(address & 0xfff) >>> 2];
    return v ? v : undefined;
  }

  clear(): void {
    this.pages.clear();
    this.lastPage = -1;
    this.lastWords = undefined;
  }
}
