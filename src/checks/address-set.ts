/**
 * Sparse per-address state for the detectors, one array per 4 KiB page with
 * a one-entry page cache: they touch every fetched instruction, so this is on
 * the hot path.
 */
class Pages<A extends Uint8Array | Uint32Array> {
  private pages = new Map<number, A>();
  private lastPage = -1;
  private last: A | undefined;
  readonly stateFields = ['pages'];

  constructor(private readonly make: () => A) {}

  /** the page cache pointed into the pages a restore replaced */
  restored(): void {
    this.lastPage = -1;
    this.last = undefined;
  }

  get(p: number, create: boolean): A | undefined {
    if (p === this.lastPage) return this.last;
    let a = this.pages.get(p);
    if (!a && create) {
      a = this.make();
      this.pages.set(p, a);
    }
    if (a) {
      this.lastPage = p;
      this.last = a;
    }
    return a;
  }

  clear(): void {
    this.pages.clear();
    this.lastPage = -1;
    this.last = undefined;
  }
}

/** A set of byte addresses; each byte holds a small tag (0 = absent), e.g. which core wrote it. */
export class AddressSet {
  private readonly pages = new Pages(() => new Uint8Array(4096));
  size = 0;
  readonly stateFields = ['pages', 'size'];

  /** tags [address, address+length); returns whether any byte was new */
  add(address: number, length: number, tag = 1): boolean {
    let fresh = false;
    for (let a = address; a < address + length; a++) {
      const b = this.pages.get(a >>> 12, true)!;
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
      const b = this.pages.get(a >>> 12, false);
      if (b && b[a & 0xfff]) return a;
    }
    return -1;
  }

  remove(address: number, length: number): void {
    for (let a = address; a < address + length; a++) {
      const b = this.pages.get(a >>> 12, false);
      if (b && b[a & 0xfff]) { b[a & 0xfff] = 0; this.size--; }
    }
  }

  tag(address: number): number {
    const b = this.pages.get(address >>> 12, false);
    return b ? b[address & 0xfff]! : 0;
  }

  clear(): void {
    if (this.size === 0) return;
    this.pages.clear();
    this.size = 0;
  }
}

/** A number per RAM word (0 reads as absent). */
export class WordMap {
  private readonly pages = new Pages(() => new Uint32Array(1024));
  readonly stateFields = ['pages'];

  set(address: number, value: number): void {
    this.pages.get(address >>> 12, true)![(address & 0xfff) >>> 2] = value;
  }

  get(address: number): number | undefined {
    const v = this.pages.get(address >>> 12, false)?.[(address & 0xfff) >>> 2];
    return v ? v : undefined;
  }

  clear(): void {
    this.pages.clear();
  }
}

/** A number per halfword of RAM (an instruction's first bytes, ARM or Thumb); 0 reads as absent and is not stored. */
export class HalfwordMap {
  private readonly pages = new Pages(() => new Uint32Array(2048));
  readonly stateFields = ['pages'];

  set(address: number, value: number): void {
    const page = this.pages.get(address >>> 12, value !== 0);
    if (page) page[(address & 0xfff) >>> 1] = value;
  }

  get(address: number): number {
    return this.pages.get(address >>> 12, false)?.[(address & 0xfff) >>> 1] ?? 0;
  }

  clear(): void {
    this.pages.clear();
  }
}
