/**
 * Aligning two streams of one core's records on identity, not on step.
 *
 * The technique is a windowed LCS: walk both streams while they agree; at a
 * disagreement, look ahead at most `window` items on each side for the
 * nearest re-synchronisation point — the smallest i + j such that A[i..i+k)
 * equals B[j..j+k), an anchor of k identical items (patience diff's idea of
 * anchoring on runs that match, found with a hash of k-grams) — and report
 * A[0..i) as deleted and B[0..j) as inserted. Memory is bounded by the
 * window, whatever the length of the traces; inside the differing block an
 * exact LCS (dynamic programming) keeps the lines both sides share. The price
 * is that a change longer than the window is reported as one block.
 *
 * `LoopCollapser` removes consecutive repetitions of the same body (up to
 * `maxBody` items long) as they stream past, so a spin loop that went round
 * three times and one that went round thirty look the same.
 */

export interface Item<T> {
  /** interned identity: equal ids are the same instruction (or event) */
  id: number;
  value: T;
}

export type AlignOp<T> =
  | { op: 'same'; a: Item<T>; b: Item<T> }
  | { op: 'del'; a: Item<T> }
  | { op: 'ins'; b: Item<T> };

/** a FIFO that does not copy on every shift */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  at(i: number): T {
    return this.items[this.head + i]!;
  }
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T {
    const x = this.items[this.head]!;
    // let go of it now: a consumed item kept alive until the next compaction outlives V8's young generation
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

export class WindowedAligner<T> {
  private readonly a = new Queue<Item<T>>();
  private readonly b = new Queue<Item<T>>();

  constructor(private readonly emit: (op: AlignOp<T>) => void, private readonly window = 2048, private readonly k = 6) {}

  pushA(x: Item<T>): void {
    this.a.push(x);
  }
  pushB(x: Item<T>): void {
    this.b.push(x);
  }

  /** buffered items on either side (for callers that bound their reading) */
  get buffered(): number {
    return Math.max(this.a.length, this.b.length);
  }

  /** Align what is buffered; unless `final`, keep enough look-ahead for a later decision. */
  drain(final: boolean): void {
    const { a, b } = this;
    const need = this.window + this.k;
    for (;;) {
      while (a.length && b.length && a.at(0).id === b.at(0).id) this.emit({ op: 'same', a: a.shift(), b: b.shift() });
      if (!a.length || !b.length) {
        if (!final) return;
        while (a.length) this.emit({ op: 'del', a: a.shift() });
        while (b.length) this.emit({ op: 'ins', b: b.shift() });
        return;
      }
      if (!final && (a.length < need || b.length < need)) return;
      const [i, j] = this.resync(final);
      this.refine(i, j);
    }
  }

  /**
   * Emits A[0..i) against B[0..j) as an exact LCS (dynamic programming), so
   * lines the two blocks share between their differences show as the same;
   * a block too large for that is reported whole.
   */
  private refine(i: number, j: number): void {
    const { a, b } = this;
    if (i === 0 || j === 0 || i * j > 1 << 20) {
      for (let n = 0; n < i; n++) this.emit({ op: 'del', a: a.shift() });
      for (let n = 0; n < j; n++) this.emit({ op: 'ins', b: b.shift() });
      return;
    }
    // lcs[x][y]: the LCS of A[x..i) and B[y..j)
    const w = j + 1;
    const lcs = new Uint32Array((i + 1) * w);
    for (let x = i - 1; x >= 0; x--) {
      for (let y = j - 1; y >= 0; y--) {
        lcs[x * w + y] = a.at(x).id === b.at(y).id ? lcs[(x + 1) * w + y + 1]! + 1 : Math.max(lcs[(x + 1) * w + y]!, lcs[x * w + y + 1]!);
      }
    }
    let x = 0;
    let y = 0;
    while (x < i || y < j) {
      if (x < i && y < j && a.at(0).id === b.at(0).id) { this.emit({ op: 'same', a: a.shift(), b: b.shift() }); x++; y++; }
      else if (y >= j || (x < i && lcs[(x + 1) * w + y]! >= lcs[x * w + y + 1]!)) { this.emit({ op: 'del', a: a.shift() }); x++; }
      else { this.emit({ op: 'ins', b: b.shift() }); y++; }
    }
  }

  private key(q: Queue<Item<T>>, at: number, final: boolean): string | undefined {
    const end = Math.min(at + this.k, q.length);
    if (end - at < this.k && !final) return undefined;
    let s = '';
    for (let n = at; n < end; n++) s += `${q.at(n).id},`;
    return end - at < this.k ? `${s}$` : s; // a short tail matches only the same tail
  }

  /** how many items of A and of B to give up before the streams agree again */
  private resync(final: boolean): [number, number] {
    const { a, b } = this;
    const la = Math.min(this.window, a.length);
    const lb = Math.min(this.window, b.length);
    const firstAt = new Map<string, number>();
    for (let j = 0; j < lb; j++) {
      const key = this.key(b, j, final);
      if (key !== undefined && !firstAt.has(key)) firstAt.set(key, j);
    }
    let best: [number, number] | undefined;
    for (let i = 0; i < la && (!best || i < best[0] + best[1]); i++) {
      const key = this.key(a, i, final);
      const j = key === undefined ? undefined : firstAt.get(key);
      if (j !== undefined && (i > 0 || j > 0) && (!best || i + j < best[0] + best[1])) best = [i, j];
    }
    // no anchor in the window: everything in it differs
    return best ?? [la, lb];
  }
}

/** Drops consecutive repetitions of a body of up to `maxBody` items; passes the rest on, in order. */
export class LoopCollapser<T> {
  private tail: Item<T>[] = [];

  constructor(private readonly next: (x: Item<T>) => void, private readonly maxBody = 32) {}

  push(x: Item<T>): void {
    const t = this.tail;
    t.push(x);
    for (let len = 1; len <= this.maxBody && 2 * len <= t.length; len++) {
      let repeat = true;
      for (let n = 1; n <= len && repeat; n++) repeat = t[t.length - n]!.id === t[t.length - n - len]!.id;
      if (repeat) {
        t.length -= len;
        break;
      }
    }
    if (t.length > 4 * this.maxBody) {
      for (const y of t.splice(0, t.length - 2 * this.maxBody)) this.next(y);
    }
  }

  flush(): void {
    for (const y of this.tail) this.next(y);
    this.tail = [];
  }
}
