/** `random:SEED`: a uniformly random core worth running per turn, `quantum` steps each. */
import { candidates, type Policy, Rng, type SchedulerView } from '../policy.js';
import type { Decision } from '../schedule.js';

export class RandomPolicy implements Policy {
  readonly untilVisible = false;
  private readonly rng: Rng;
  constructor(readonly seed: number, private readonly quantum: number) {
    this.rng = new Rng(seed);
  }
  get spec(): string {
    return `random:${this.seed}`;
  }
  next(v: SchedulerView): Decision {
    const c = candidates(v);
    return { core: c[this.rng.int(c.length)]!, steps: this.quantum };
  }
}
