/** `rr`: round robin, `quantum` steps per turn (lockstep at quantum 1). */
import { candidates, nextAfter, type Policy, type SchedulerView } from '../policy.js';
import type { Decision } from '../schedule.js';

export class RoundRobin implements Policy {
  readonly untilVisible = false;
  readonly rotation: number;
  constructor(private readonly quantum: number) {
    this.rotation = quantum;
  }
  get spec(): string {
    return 'rr';
  }
  next(v: SchedulerView): Decision {
    return { core: nextAfter(candidates(v), v.last), steps: this.quantum };
  }
}
