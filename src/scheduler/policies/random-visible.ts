/**
 * `random-visible:SEED`: exploration's random walk. A random core worth
 * running goes to its next visible operation; an offered early WFE wake is
 * taken with probability 1/4, and so is a drain (--memory relaxed: any drainable store).
 */
import type { EarlyWakeOracle } from '../early-wake.js';
import { candidates, type Policy, Rng, type SchedulerView, TURN } from '../policy.js';
import type { Decision } from '../schedule.js';

export class RandomVisible implements Policy {
  readonly untilVisible = true;
  private readonly rng: Rng;
  constructor(readonly seed: number, private readonly oracle: EarlyWakeOracle) {
    this.rng = new Rng(seed);
  }
  get spec(): string {
    return `random-visible:${this.seed}`;
  }
  next(v: SchedulerView): Decision {
    const wakes = this.oracle.offers(v);
    if (wakes.length && this.rng.int(4) === 0) return { wake: wakes[this.rng.int(wakes.length)]! };
    const drains = v.drains;
    if (drains.length && this.rng.int(4) === 0) {
      const d = drains[this.rng.int(drains.length)]!;
      return { drain: d.core, store: d.store };
    }
    const c = candidates(v);
    return { core: c[this.rng.int(c.length)]!, steps: TURN };
  }
}
