/**
 * The lockstep scheduler: ask the policy which core runs next, run it, record
 * the decision. Everything that ends a run is decided here or by the machine.
 */
import type { Machine } from '../machine/machine.js';
import type { Policy, SchedulerView } from './policies.js';
import { Schedule } from './schedule.js';

export type Verdict = 'running' | 'deadlock' | 'livelock' | 'timeout';

export interface ScheduledRun {
  verdict: Verdict;
  schedule: Schedule;
}

export function schedule(machine: Machine, policy: Policy, maxSteps: number, then = 'np'): ScheduledRun {
  const recorded = new Schedule([], then);
  let last: number | undefined;
  let decisions = 0;
  for (;;) {
    if (machine.ended) return { verdict: 'running', schedule: recorded };
    if (machine.steps >= maxSteps) return { verdict: 'timeout', schedule: recorded };
    machine.wakeSleepers();
    const live = machine.cores.filter((c) => c.live);
    const ready = live.filter((c) => c.state === 'running').map((c) => c.id);
    if (ready.length === 0) return { verdict: 'deadlock', schedule: recorded };
    const repeating = ready.filter((id) => machine.isRepeating(id));
    if (repeating.length === ready.length) return { verdict: 'livelock', schedule: recorded };
    const spinning = ready.filter((id) => machine.isSpinning(id));
    const wfe = live.filter((c) => c.state === 'wfe').map((c) => c.id);
    const view: SchedulerView = { ready, spinning, repeating, wfe, last, decisions, step: machine.steps, retired: machine.retired };
    const d = policy.next(view);
    decisions++;
    if ('wake' in d) {
      machine.wakeEarly(d.wake);
      recorded.push(d);
      continue;
    }
    if ('at' in d) throw new Error(`policy ${policy.spec} returned a switch token`);
    if (last !== undefined && d.core !== last) machine.emit({ kind: 'switch', step: machine.steps, from: last, to: d.core });
    const until = d.until === undefined ? undefined : machine.resolve(d.until);
    const visible = (d.visible ?? policy.untilVisible) && until === undefined;
    const ran = machine.runCore(d.core, Math.min(d.steps, maxSteps - machine.steps), visible, until);
    recorded.push({ core: d.core, steps: ran });
    last = d.core;
  }
}
