/**
 * What a scheduling policy is: given what the cores can do now, the next
 * decision. Every policy lives in policies/, one per file, and is made from
 * its spec by parse.ts: `parsePolicy(p.spec)` gives a policy that decides the
 * same way (same firmware, same machine options: the same run).
 *
 * The few rules every policy shares are here, stated once: which cores are
 * worth running (`candidates`), what the non-preemptive default does, what a
 * preemption is and when a decision is contended.
 */
import type { DrainOption } from '../machine/memory.js';
import type { Decision } from './schedule.js';

export interface SchedulerView {
  /** cores that can run now, by id */
  ready: number[];
  /** the ready cores spinning on memory nothing has changed: their turn goes to others */
  spinning: number[];
  /** the ready cores whose whole state has repeated with memory unchanged */
  repeating: number[];
  /** cores asleep in WFE: an early wake is a legal choice (exploration only) */
  wfe: number[];
  last: number | undefined;
  /** decisions taken so far in this run */
  decisions: number;
  step: number;
  /** instructions each core has retired in this run */
  retired: number[];
  /** --memory relaxed: the buffered stores that may become visible now (a drain is a decision) */
  drains: DrainOption[];
  /**
   * --memory relaxed, set only for a policy that `choosesDrains`: nothing else
   * can go on (no core ready, or every ready core spinning), so a store must
   * become visible; this is the one the scheduler would drain by default
   * (the oldest of the lowest core). The policy must return a drain.
   */
  defaultDrain: DrainOption | undefined;
}

export interface Policy {
  /** parsePolicy(spec) decides the same way */
  readonly spec: string;
  /** run each turn only up to the next instruction another core could observe */
  readonly untilVisible: boolean;
  /** the policy a recorded schedule continues with once its decisions run out (default np) */
  readonly then?: string;
  /** words whose accesses are scheduling points ([address, words]); absent: every RAM access */
  readonly shared?: [number, number][];
  /** the memory model its decisions were taken under (replay files say) */
  readonly memory?: 'sc' | 'relaxed';
  /**
   * --memory relaxed: asked where nothing else can go on, instead of the
   * scheduler draining its default store (v.defaultDrain): exploration
   * branches on which store becomes visible there
   */
  choosesDrains?(v: SchedulerView): boolean;
  /**
   * Round robin: `next` always runs the candidate after the last for this
   * many steps. Where nothing can change the candidates between turns, the
   * scheduler runs such turns back to back in C (Machine.rotate).
   */
  readonly rotation?: number;
  /** told of a drain the scheduler makes itself (a store buffered DRAIN_AGE steps) */
  forcedDrain?(core: number, store: number): void;
  next(v: SchedulerView): Decision;
}

/** steps a core may run in one non-preemptive turn before the scheduler looks again */
export const TURN = 10_000;

/** the cores worth running: ready and not spinning (never empty: the scheduler checks livelock first) */
export function candidates(v: SchedulerView): number[] {
  // (asked at every decision: without a spinning core it is the ready list itself, which no policy changes)
  if (v.spinning.length === 0) return v.ready;
  const c = v.ready.filter((id) => !v.spinning.includes(id));
  if (c.length) return c;
  // all waiting: a counting wait can still time out, a repeating one cannot
  const counting = v.ready.filter((id) => !v.repeating.includes(id));
  return counting.length ? counting : v.ready;
}

/** more than one core is worth running: the decision could go more than one way */
export function isContended(v: SchedulerView): boolean {
  return candidates(v).length > 1;
}

/** the last core may go on: it is worth running and not waiting */
function lastCanContinue(v: SchedulerView, c: number[]): boolean {
  return v.last !== undefined && c.includes(v.last) && !v.spinning.includes(v.last);
}

/** running `core` now takes the turn from a core that could have gone on */
export function isPreemption(v: SchedulerView, core: number): boolean {
  return core !== v.last && lastCanContinue(v, candidates(v));
}

export function nextAfter(list: number[], last: number | undefined): number {
  if (last === undefined) return list[0]!;
  return list.find((id) => id > last) ?? list[0]!;
}

/** np's choice: the last core while it can go on, else the next in id order */
export function nonPreemptiveChoice(v: SchedulerView): number {
  const c = candidates(v);
  return lastCanContinue(v, c) ? v.last! : nextAfter(c, v.last);
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same run everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
