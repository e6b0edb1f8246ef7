/**
 * `choices:C1,C2,...`: follows a prefix of choices (`0`, `1`: run that core;
 * `w1`: end core 1's WFE early), then the non-preemptive default; records
 * every decision point's options so exhaustive search can branch.
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
  next(v: SchedulerView): Decision {
    const c = candidates(v);
    const wakes = this.oracle.offers(v).map((w) => `w${w}`);
    const options = [...c.map(String), ...wakes];
    const costly = options.filter((o) => o.startsWith('w') || isPreemption(v, Number(o)));
    let chosen = String(nonPreemptiveChoice(v));
    const i = this.points.length;
    if (i < this.prefix.length) {
      const want = this.prefix[i]!;
      if (options.includes(want)) chosen = want;
      else this.diverged = true;
    }
    this.points.push({ options, chosen, costly });
    return chosen.startsWith('w') ? { wake: Number(chosen.slice(1)) } : { core: Number(chosen), steps: TURN };
  }
}
