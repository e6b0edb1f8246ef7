/**
 * Sparse per-address state for the detectors, one array per 4 KiB page with
 * a one-entry page cache: they touch every fetched instruction and every
 * access, so this is on the hot path. A range is walked page by page, one
 * lookup per page, not per byte.
 */
class Pages<A extends Uint8Array | Uint32Array> {
  private pages = new Map<number, A>();
  /** the last page asked for and its array, or undefined when it has none (a miss is cached too) */
  private lastPage = -1;
  private last: A | undefined;
  /**
   * arrays a clear dropped, zeroed again when reused: every run of an
   * exploration fills about the same pages, and allocating them anew each
   * run cost more than the detectors' own work
   */
  private readonly spare: A[] = [];
  readonly stateFields = ['pages'];

  constructor(private readonly make: () => A) {}

  /** the page cache pointed into the pages a restore replaced */
  restored(): void {
    this.lastPage = -1;
    this.last = undefined;
  }

  get(p: number, create: boolean): A | undefined {
    if (p !== this.lastPage) {
      this.lastPage = p;
      this.last = this.pages.get(p);
    }
    if (!this.last && create) {
      const reused = this.spare.pop();
      this.last = reused ? reused.fill(0) as A : this.make();
      this.pages.set(p, this.last);
    }
    return this.last;
  }

  clear(): void {
    for (const a of this.pages.values()) this.spare.push(a);
    this.pages.clear();
    this.lastPage = -1;
    this.last = undefined;
  }
}

/** the first address of the page after the one holding `a` (plain arithmetic: addresses reach 2^32) */
function pageEnd(a: number): number {
  return a - (a & 0xfff) + 0x1000;
}

/** A set of byte addresses; each byte holds a small tag (0 = absent), e.g. which core wrote it. */
export class AddressSet {
  private readonly pages = new Pages(() => new Uint8Array(4096));
  size = 0;
  readonly stateFields = ['pages', 'size'];

  /**
   * tags [address, address+length), byte k with `tag + k * step` (a tag
   * below 256); returns whether any byte was new. An instruction fetched
   * again (2 or 4 bytes in one page, every tag in place) costs a page lookup
   * and its compares, unrolled, in a body small enough to be inlined into a
   * detector's fetch; the rest goes to `retag`.
   */
  add(address: number, length: number, tag = 1, step = 0): boolean {
    const first = address & 0xfff;
    if ((length === 4 || length === 2) && first + length <= 0x1000) {
      const b = this.pages.get(address >>> 12, false);
      if (b && b[first] === tag && b[first + 1] === tag + step
        && (length === 2 || (b[first + 2] === tag + 2 * step && b[first + 3] === tag + 3 * step))) return false;
    }
    return this.retag(address, length, tag, step);
  }

  private retag(address: number, length: number, tag: number, step: number): boolean {
    let fresh = false;
    const end = address + length;
    for (let a = address; a < end;) {
      const b = this.pages.get(a >>> 12, true)!;
      for (const stop = Math.min(end, pageEnd(a)); a < stop; a++, tag += step) {
        const i = a & 0xfff;
        const now = b[i]!;
        if (now === tag) continue;
        if (!now) { fresh = true; this.size++; }
        b[i] = tag;
      }
    }
    return fresh;
  }

  /** the first tagged byte of [address, address+length), or -1 */
  find(address: number, length: number): number {
    if (this.size === 0) return -1;
    const first = address & 0xfff;
    if (first + length > 0x1000) return this.findAcross(address, length);
    // within one page (nearly always): small enough to be inlined into a detector's fetch
    const b = this.pages.get(address >>> 12, false);
    if (b) for (let i = first; i < first + length; i++) if (b[i]) return address + i - first;
    return -1;
  }

  private findAcross(address: number, length: number): number {
    const end = address + length;
    for (let a = address; a < end;) {
      const b = this.pages.get(a >>> 12, false);
      const stop = Math.min(end, pageEnd(a));
      if (!b) { a = stop; continue; }
      for (; a < stop; a++) if (b[a & 0xfff]) return a;
    }
    return -1;
  }

  remove(address: number, length: number): void {
    const end = address + length;
    for (let a = address; a < end;) {
      const b = this.pages.get(a >>> 12, false);
      const stop = Math.min(end, pageEnd(a));
      if (!b) { a = stop; continue; }
      for (; a < stop; a++) if (b[a & 0xfff]) { b[a & 0xfff] = 0; this.size--; }
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
