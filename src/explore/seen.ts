/**
 * The schedules an exploration has run, by decision-sequence hash (session.ts
 * decisionsHash: 64 bits as 16 hex digits), for the tally that counts only
 * schedules not run before. This is the one record that grows with every
 * schedule by design, so it lives in typed arrays outside the JS heap: the
 * hashes in the order they came and an open-addressing index, 16 to 32
 * bytes per hash (both double as they fill), 2 MiB for 100,000 schedules. A Set of hex strings
 * (and the array of them the resume state kept) cost some 120 bytes each
 * on the heap, which V8's heap sizing then multiplied: it was what made a
 * long exploration's memory grow. Membership compares all 64 bits, as the
 * strings did, so `distinct` is exactly what it was.
 */
import { createHash } from 'node:crypto';

const HEX = /^[0-9a-f]{16}$/;

/** a PCT draw (PctPolicy.drawn: priority order and change points) as a hash the set keeps */
export function drawHash(drawn: string): string {
  return createHash('sha1').update(drawn).digest('hex').slice(0, 16);
}
const DIGITS = '0123456789abcdef';

export class DecisionHashes {
  /** hashes in the order added: [high word, low word] per hash */
  private words = new Uint32Array(2 * 1024);
  /** slot -> 1 + the hash's number, 0 when empty; a power of two, at most half full */
  private index = new Uint32Array(2048);
  size = 0;

  /** adds a hash; false when it was already there */
  add(hash: string): boolean {
    const [hi, lo] = split(hash);
    const slot = this.find(hi, lo);
    if (this.index[slot] !== 0) return false;
    if (2 * (this.size + 1) > this.words.length) {
      const words = new Uint32Array(2 * this.words.length);
      words.set(this.words);
      this.words = words;
    }
    this.words[2 * this.size] = hi;
    this.words[2 * this.size + 1] = lo;
    this.size++;
    if (2 * this.size > this.index.length) this.rehash(2 * this.index.length);
    else this.index[slot] = this.size;
    return true;
  }

  /** what the arrays take */
  get bytes(): number {
    return this.words.byteLength + this.index.byteLength;
  }

  has(hash: string): boolean {
    const [hi, lo] = split(hash);
    return this.index[this.find(hi, lo)] !== 0;
  }

  /** every hash, 16 hex digits each, in the order added (the resume state keeps this string) */
  toHex(): string {
    const out = Buffer.allocUnsafe(16 * this.size);
    for (let i = 0; i < 2 * this.size; i++) {
      const w = this.words[i]!;
      for (let d = 0; d < 8; d++) out[8 * i + d] = DIGITS.charCodeAt((w >>> (28 - 4 * d)) & 15);
    }
    return out.toString('latin1');
  }

  /** the hashes of a saved state: `toHex`'s string, or the list of hex strings states kept before */
  static from(saved: string | string[] | undefined): DecisionHashes {
    const set = new DecisionHashes();
    if (typeof saved === 'string') for (let i = 0; i < saved.length; i += 16) set.add(saved.slice(i, i + 16));
    else for (const h of saved ?? []) set.add(h);
    return set;
  }

  /** the slot holding this hash, or the empty slot where it would go */
  private find(hi: number, lo: number): number {
    const mask = this.index.length - 1;
    // the hashes are SHA-1 digits, already well spread: fold both words in
    for (let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask; ; slot = (slot + 1) & mask) {
      const e = this.index[slot]!;
      if (e === 0 || (this.words[2 * e - 2] === hi && this.words[2 * e - 1] === lo)) return slot;
    }
  }

  private rehash(slots: number): void {
    const entries = this.size;
    this.index = new Uint32Array(slots);
    // find() stops at the first empty slot, and no hash is there twice: each goes where find() says
    for (let e = 1; e <= entries; e++) this.index[this.find(this.words[2 * e - 2]!, this.words[2 * e - 1]!)] = e;
  }
}

function split(hash: string): [number, number] {
  // saved states are checked against their schema first: anything else is a caller's mistake
  if (!HEX.test(hash)) throw new Error(`decision hash ${JSON.stringify(hash.slice(0, 40))}: expected 16 hex digits`);
  return [parseInt(hash.slice(0, 8), 16) >>> 0, parseInt(hash.slice(8), 16) >>> 0];
}
