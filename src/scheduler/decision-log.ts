/**
 * The decisions of a run as it goes, in a growable typed array, run-length
 * encoded: consecutive turns of one core merge, and a repeating pattern of up
 * to MAX_PERIOD decisions (lockstep round robin alternates cores every step)
 * is kept once with a count. So 10^8 lockstep steps take a few words, and the
 * loop that calls this once per step allocates nothing. A Schedule (with
 * `Repeat` entries) is built on demand.
 */
import { type Entry, Schedule, SwitchCount } from './schedule.js';

/** longest pattern looked for: a round of four cores, with a wake in it */
const MAX_PERIOD = 8;
/** first word of a repeat entry: REPEAT - period; the second is the number of further repetitions */
const REPEAT = -1000;
/** first word of a drain (--memory relaxed): DRAIN - core; the second is the store's number */
const DRAIN = -100;

/** a (first, second) pair that is no repeat entry, as a decision */
function decision(a: number, b: number): Entry {
  if (a <= DRAIN) return { drain: DRAIN - a, store: b };
  return a < 0 ? { wake: -1 - a } : { core: a, steps: b };
}

export class DecisionLog {
  /** pairs: (core, steps) a run; (-1-core, 0) a wake; (DRAIN-core, store) a drain; (REPEAT-period, times) a repeat of the `period` pairs before it */
  private words = new Float64Array(256);
  private n = 0;
  /** word index where the pairs after the last repeat entry begin (a new pattern is looked for there) */
  private plain = 0;
  /** decisions of the next repetition of the open repeat (the last entry) seen so far, not yet in `words` */
  private partial = 0;
  private readonly count = new SwitchCount();
  readonly stateFields = ['words', 'n', 'plain', 'partial', 'count'];

  get switches(): number {
    return this.count.n;
  }

  run(core: number, steps: number): void {
    if (steps === 0) return;
    const last = this.lastDecision();
    if (last >= 0 && this.words[last] === core) {
      this.materializeTail();
      this.words[this.n - 1]! += steps;
      return;
    }
    this.count.run(core);
    this.add(core, steps);
  }

  wake(core: number): void {
    this.add(-1 - core, 0);
  }

  drain(core: number, store: number): void {
    this.add(DRAIN - core, store);
  }

  /** the decisions logged so far, repeats as `Repeat` entries */
  toSchedule(then: string): Schedule {
    const ds: Entry[] = [];
    const w = this.words;
    for (let i = 0; i < this.n; i += 2) {
      const a = w[i]!;
      if (a <= REPEAT) ds.push({ period: REPEAT - a, repeat: w[i + 1]! });
      else ds.push(decision(a, w[i + 1]!));
    }
    if (this.partial) {
      const start = this.patternStart();
      for (let k = 0; k < this.partial; k++) {
        ds.push(decision(w[start + 2 * k]!, w[start + 2 * k + 1]!));
      }
    }
    return new Schedule(ds, then);
  }

  /** the repeat entry is open: the log ends with it */
  private get open(): boolean {
    return this.n >= 2 && this.words[this.n - 2]! <= REPEAT;
  }

  private get period(): number {
    return REPEAT - this.words[this.n - 2]!;
  }

  /** word index of the open repeat's pattern */
  private patternStart(): number {
    return this.n - 2 - 2 * this.period;
  }

  /** word index of the last decision as executed (inside a pattern when a repeat is open), -1 if none */
  private lastDecision(): number {
    if (!this.open) return this.n - 2;
    const start = this.patternStart();
    return start + 2 * ((this.partial || this.period) - 1);
  }

  private add(a: number, b: number): void {
    if (this.open) {
      const at = this.patternStart() + 2 * this.partial;
      if (this.words[at] === a && this.words[at + 1] === b) {
        if (++this.partial === this.period) {
          this.partial = 0;
          this.words[this.n - 1]!++;
        }
        return;
      }
      // the pattern breaks here: what matched of it so far is written out plainly
      if (this.partial) this.materializeTail();
      else this.plain = this.n;
    }
    this.append(a, b);
    this.fold();
  }

  /**
   * Makes the last executed decision a plain pair at the end of `words`
   * (so it can grow): the partial repetition is written out, or the last
   * full repetition taken back out of the count.
   */
  private materializeTail(): void {
    if (!this.open) return;
    const start = this.patternStart();
    let copy = this.partial;
    if (copy === 0) {
      copy = this.period;
      if (--this.words[this.n - 1]! === 0) this.n -= 2; // the repeat entry is gone: the pattern stays once
    }
    const from = start;
    this.plain = this.n;
    for (let k = 0; k < copy; k++) this.append(this.words[from + 2 * k]!, this.words[from + 2 * k + 1]!);
    this.partial = 0;
  }

  /** the plain pairs end with a pattern twice over: keep it once, with a repeat entry */
  private fold(): void {
    const w = this.words;
    const pairs = (this.n - this.plain) >> 1;
    for (let p = 1; p <= MAX_PERIOD && 2 * p <= pairs; p++) {
      const b = this.n - 2 * p;
      const a = b - 2 * p;
      let same = true;
      for (let k = 0; k < 2 * p && same; k++) same = w[a + k] === w[b + k];
      if (!same) continue;
      this.n = b;
      this.append(REPEAT - p, 1);
      this.plain = this.n;
      return;
    }
  }

  private append(a: number, b: number): void {
    if (this.n + 2 > this.words.length) {
      const bigger = new Float64Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    this.words[this.n++] = a;
    this.words[this.n++] = b;
  }
}
