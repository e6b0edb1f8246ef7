/** `np`: non-preemptive; a core runs until it sleeps, spins, blocks or ends. The default every schedule file continues with. */
import { nonPreemptiveChoice, type Policy, type SchedulerView, TURN } from '../policy.js';
import type { Decision } from '../schedule.js';

export class NonPreemptive implements Policy {
  readonly untilVisible = true;
  readonly spec = 'np';
  next(v: SchedulerView): Decision {
    return { core: nonPreemptiveChoice(v), steps: TURN };
  }
}
