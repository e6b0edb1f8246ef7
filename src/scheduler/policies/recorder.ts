/**
 * Wraps a policy and writes down every choice it makes against the
 * non-preemptive default, as switch tokens: the run's replay schedule, one
 * token per deviation (a preemption, another core than np would pick, or an
 * early wake).
 */
import { nonPreemptiveChoice, type Policy, type SchedulerView } from '../policy.js';
import type { Decision, Switch } from '../schedule.js';

export class SwitchRecorder implements Policy {
  readonly untilVisible = true;
  readonly switches: Switch[] = [];
  constructor(private readonly inner: Policy) {}
  get spec(): string {
    return this.inner.spec;
  }
  choosesDrains(v: SchedulerView): boolean {
    return this.inner.choosesDrains?.(v) ?? false;
  }
  forcedDrain(core: number, store: number): void {
    this.inner.forcedDrain?.(core, store);
  }
  next(v: SchedulerView): Decision {
    const d = this.inner.next(v);
    // (the switch point is made only for a decision that is written down: this runs at every decision)
    if ('wake' in d) this.switches.push({ at: switchPoint(v), then: { wake: d.wake } });
    // every drain a policy makes, the default one where nothing else could go on included: a replay
    // takes them in the same order (ReplayPolicy.choosesDrains)
    else if ('drain' in d) this.switches.push({ at: switchPoint(v), then: { drain: d.drain, store: d.store } });
    else if ('core' in d && d.core !== nonPreemptiveChoice(v)) this.switches.push({ at: switchPoint(v), then: { core: d.core } });
    return d;
  }
}

/** where a switch happens: the start, or after the last core's retired count */
function switchPoint(v: SchedulerView): Switch['at'] {
  return v.last === undefined ? 'start' : { core: v.last, count: v.retired[v.last]! };
}
