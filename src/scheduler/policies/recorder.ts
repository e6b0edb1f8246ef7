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
  next(v: SchedulerView): Decision {
    const d = this.inner.next(v);
    const at: Switch['at'] = v.last === undefined ? 'start' : { core: v.last, count: v.retired[v.last]! };
    if ('wake' in d) this.switches.push({ at, then: { wake: d.wake } });
    else if ('drain' in d) this.switches.push({ at, then: { drain: d.drain, store: d.store } }); // default drains are the scheduler's, never a policy's
    else if ('core' in d && d.core !== nonPreemptiveChoice(v)) this.switches.push({ at, then: { core: d.core } });
    return d;
  }
}
