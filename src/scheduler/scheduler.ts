/**
 * The lockstep scheduler: ask the policy which core runs next, run it, record
 * the decision. Everything that ends a run is decided here or by the machine.
 */
import type { Machine } from '../machine/machine.js';
import type { Policy, SchedulerView } from './policies.js';
import { DecisionLog, type Schedule } from './schedule.js';

export type Verdict = 'running' | 'deadlock' | 'livelock' | 'timeout';

export interface ScheduledRun {
  verdict: Verdict;
  /** built on demand: a lockstep run has a decision per step */
  schedule: () => Schedule;
  switches: number;
}

export function schedule(machine: Machine, policy: Policy, maxSteps: number, then = 'np'): ScheduledRun {
  const log = new DecisionLog();
  // one view, refilled for every decision: this loop runs once per step in lockstep
  const v: SchedulerView = { ready: [], spinning: [], repeating: [], wfe: [], last: undefined, decisions: 0, step: 0, retired: machine.retired };
  const masks = [0, 0, 0, 0];
  const end = (verdict: Verdict): ScheduledRun => ({ verdict, schedule: () => log.toSchedule(then), switches: log.switches });
  for (;;) {
    if (machine.ended) return end('running');
    if (machine.steps >= maxSteps) return end('timeout');
    machine.wakeSleepers();
    // the lists change rarely: compare as bit masks, rebuild only when they do
    let ready = 0;
    let spinning = 0;
    let repeating = 0;
    let wfe = 0;
    for (const c of machine.cores) {
      const bit = 1 << c.id;
      if (c.state === 'wfe') wfe |= bit;
      if (c.state !== 'running') continue;
      ready |= bit;
      if (machine.isRepeating(c.id)) repeating |= bit;
      if (machine.isSpinning(c.id)) spinning |= bit;
    }
    if (ready !== masks[0]) fill(v.ready, (masks[0] = ready));
    if (spinning !== masks[1]) fill(v.spinning, (masks[1] = spinning));
    if (repeating !== masks[2]) fill(v.repeating, (masks[2] = repeating));
    if (wfe !== masks[3]) fill(v.wfe, (masks[3] = wfe));
    if (v.ready.length === 0) return end('deadlock');
    if (v.repeating.length === v.ready.length) return end('livelock');
    v.step = machine.steps;
    const d = policy.next(v);
    v.decisions++;
    if ('wake' in d) {
      machine.wakeEarly(d.wake);
      log.wake(d.wake);
      continue;
    }
    if ('at' in d) throw new Error(`policy ${policy.spec} returned a switch token`);
    if (v.last !== undefined && d.core !== v.last && machine.events.wantsEvents) {
      machine.emit({ kind: 'switch', step: machine.steps, from: v.last, to: d.core });
    }
    const until = d.until === undefined ? undefined : machine.resolve(d.until);
    const visible = (d.visible ?? policy.untilVisible) && until === undefined;
    log.run(d.core, machine.runCore(d.core, Math.min(d.steps, maxSteps - machine.steps), visible, until));
    v.last = d.core;
  }
}

function fill(list: number[], mask: number): void {
  list.length = 0;
  for (let id = 0; mask; id++, mask >>>= 1) if (mask & 1) list.push(id);
}
