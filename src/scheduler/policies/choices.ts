/**
 * `choices:C1,C2,...`: follows a prefix of choices (`0`, `1`: run that core;
 * `w1`: end core 1's WFE early; `d1.3`: make core 1's buffered store 3
 * visible, under --memory relaxed), then the non-preemptive default; records
 * every decision point's options so exhaustive search can branch. Under
 * --memory relaxed every drainable store is an option, and where nothing
 * else can go on the policy chooses which store becomes visible (the
 * scheduler's default drain is its default).
 */
import type { EarlyWakeOracle } from '../early-wake.js';
import { candidates, isPreemption, nonPreemptiveChoice, type Policy, type SchedulerView, TURN } from '../policy.js';
import type { Decision } from '../schedule.js';

/** One decision point of a run, as exhaustive search records it. */
export interface ChoicePoint {
  options: string[];
  chosen: string;
  /** options that are preemptions (the running core could have gone on) or early wakes */
  costly: string[];
}

export class ChoicePolicy implements Policy {
  readonly untilVisible = true;
  readonly points: ChoicePoint[] = [];
  /** a prefix choice was not an option at its point */
  diverged = false;
  constructor(private readonly prefix: string[], private readonly oracle: EarlyWakeOracle) {}
  get spec(): string {
    return `choices:${this.prefix.join(',')}`;
  }
  choosesDrains(): boolean {
    return true;
  }
  /** go on after `points`, recorded by a run along the same choices (explore/snapshots.ts) */
  resumeAt(points: { chosen: string }[]): void {
    this.points.push(...(points as ChoicePoint[]));
  }

  next(v: SchedulerView): Decision {
    const stuck = v.defaultDrain && `d${v.defaultDrain.core}.${v.defaultDrain.store}`;
    const c = stuck ? [] : candidates(v);
    const wakes = this.oracle.offers(v).map((w) => `w${w}`);
    const drains = v.drains.map((d) => `d${d.core}.${d.store}`);
    const options = [...c.map(String), ...wakes, ...drains];
    // an early wake or an early drain goes against the default like a preemption does
    const costly = options.filter((o) => o !== stuck && (o.startsWith('w') || o.startsWith('d') || isPreemption(v, Number(o))));
    let chosen = stuck || String(nonPreemptiveChoice(v));
    const i = this.points.length;
    if (i < this.prefix.length) {
      const want = this.prefix[i]!;
      if (options.includes(want)) chosen = want;
      else this.diverged = true;
    }
    this.points.push({ options, chosen, costly });
    if (chosen.startsWith('d')) {
      const [core, store] = chosen.slice(1).split('.').map(Number);
      return { drain: core!, store: store! };
    }
    return chosen.startsWith('w') ? { wake: Number(chosen.slice(1)) } : { core: Number(chosen), steps: TURN };
  }
}
