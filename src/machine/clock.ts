/**
 * The board's one notion of time: a virtual clock derived from retired
 * instructions, so the same firmware and schedule see the same time on any
 * machine.
 *
 * Time is counted in *cycles*: one per instruction retired machine-wide (the
 * global step), plus the cycles skipped while every core slept with a timer
 * armed (`idle`). `hz` says how many cycles make a virtual second (default
 * 100 MHz: one step is 10 ns, one tick of the A9 timers at prescaler 0, as
 * QEMU clocks them). Every time source reads `now`; every timer tells the
 * clock when its next interrupt is due, and the turn runner stops a core's
 * native run exactly there, so an interrupt becomes pending at the same
 * cycle however turns are cut.
 */

export const DEFAULT_CLOCK_HZ = 100_000_000;

/** A device whose state changes with time by itself (a timer). */
export interface TimeSource {
  /** the cycle at which this source next changes an interrupt line or state; Infinity if never */
  nextEvent(): number;
  /** apply every change due at or before cycle `now` */
  advance(now: number): void;
}

export class Clock {
  /** cycles skipped while every core slept */
  idle = 0;
  /** times the scheduler skipped ahead (bounded by the step budget: a timer that wakes no one cannot spin forever) */
  skips = 0;
  private readonly sources: TimeSource[] = [];
  private next = Infinity;
  private stale = true;
  readonly stateFields = ['idle', 'skips', 'next', 'stale'];

  constructor(
    readonly hz: number,
    private readonly step: () => number,
    /** a timer changed state by itself: polls and repeated loops may now end differently */
    private readonly changed: () => void,
  ) {}

  /** the cycle of the instruction executing now (between native runs: the next one) */
  get now(): number {
    return this.step() + this.idle;
  }

  add(source: TimeSource): void {
    this.sources.push(source);
  }

  reset(): void {
    this.idle = 0;
    this.skips = 0;
    this.stale = true;
  }

  /** a timer's registers changed: its next event may have moved */
  invalidate(): void {
    this.stale = true;
  }

  /** the earliest cycle any source changes at; Infinity if none is armed (cached: asked before every native run) */
  nextEvent(): number {
    if (this.stale) {
      let next = Infinity;
      for (const s of this.sources) next = Math.min(next, s.nextEvent());
      this.next = next;
      this.stale = false;
    }
    return this.next;
  }

  /** Applies every change due by now; returns whether any source had one. */
  fireDue(): boolean {
    const now = this.now;
    if (this.nextEvent() > now) return false;
    for (const s of this.sources) if (s.nextEvent() <= now) s.advance(now);
    this.stale = true;
    this.changed();
    return true;
  }

  /** Every core sleeps: jump to the next event (if any) and apply it. */
  skipToNext(): boolean {
    const next = this.nextEvent();
    if (!Number.isFinite(next)) return false;
    this.idle += Math.max(0, next - this.now);
    this.skips++;
    this.fireDue();
    return true;
  }

  /** whole ticks of a counter running at `tickHz` in the cycles [from, to) */
  ticks(from: number, to: number, tickHz: number): number {
    return Number((BigInt(to - from) * BigInt(tickHz)) / BigInt(this.hz));
  }

  /** the first cycle at which `n` ticks at `tickHz` have elapsed since cycle `from` */
  cycleOfTick(from: number, n: number, tickHz: number): number {
    const c = (BigInt(n) * BigInt(this.hz) + BigInt(tickHz) - 1n) / BigInt(tickHz);
    return from + Number(c);
  }
}

/**
 * A down-counter as the A9 private timer, watchdog and SP804 have: it counts
 * from `start` to zero at `tickHz` (a zero is an event), then reloads
 * `reload` on the next tick (period reload + 1 ticks) or, with no reload,
 * stays at zero. Nothing is stored per tick: value and events are computed
 * from the cycle it was started at.
 */
export class DownCounter {
  running = false;
  private t0 = 0;
  private start = 0;
  private reload: number | undefined;
  private tickHz = 1;
  /** zero events already delivered since t0 */
  private delivered = 0;
  readonly stateFields = ['running', 't0', 'start', 'reload', 'tickHz', 'delivered'];

  constructor(private readonly clock: Clock) {}

  stop(now: number): void {
    if (this.running) this.start = this.value(now);
    this.running = false;
  }

  /** (re)start at cycle `now` counting down from `value` */
  run(now: number, value: number, reload: number | undefined, tickHz: number): void {
    Object.assign(this, { running: true, t0: now, start: value >>> 0, reload, tickHz, delivered: 0 });
  }

  /** stopped at `value` */
  set(value: number): void {
    this.start = value >>> 0;
  }

  value(now: number): number {
    if (!this.running) return this.start;
    const n = this.clock.ticks(this.t0, now, this.tickHz);
    if (n <= this.start) return this.start - n;
    if (this.reload === undefined) return 0;
    return this.reload - ((n - this.start - 1) % (this.reload + 1));
  }

  /** the tick count (since t0) of zero event number k (0-based), or undefined */
  private zeroTick(k: number): number | undefined {
    if (k === 0) return this.start === 0 && this.reload === undefined ? undefined : this.start;
    if (this.reload === undefined) return undefined;
    return this.start + k * (this.reload + 1);
  }

  nextEvent(): number {
    if (!this.running) return Infinity;
    const n = this.zeroTick(this.delivered);
    return n === undefined ? Infinity : this.clock.cycleOfTick(this.t0, n, this.tickHz);
  }

  /** how many zero events happened by `now` that were not delivered yet */
  take(now: number): number {
    let k = 0;
    while (this.nextEvent() <= now) {
      const elapsed = this.clock.ticks(this.t0, now, this.tickHz);
      if (this.reload !== undefined && this.delivered > 0) {
        // skip whole periods at once: a long sleep is not a loop over them
        const all = Math.floor((elapsed - this.start) / (this.reload + 1)) + 1;
        k += all - this.delivered;
        this.delivered = all;
      } else {
        this.delivered++;
        k++;
      }
    }
    return k;
  }
}
