/**
 * `replay:FILE`: follows a schedule's decisions, then hands over to its
 * `then` policy. Switch tokens (`0#412>1`) run the non-preemptive default
 * between them. A decision that does not fit the run (the firmware or the
 * options changed) throws ReplayDivergence.
 */
import { ReplayDivergence } from '../../errors.js';
import { nonPreemptiveChoice, type Policy, type SchedulerView, TURN } from '../policy.js';
import { type Decision, type Drain, formatDecision, type Schedule } from '../schedule.js';

export class ReplayPolicy implements Policy {
  private at = 0;
  /** further repetitions left of the repeat entry being replayed (its pattern ends just before it) */
  private left: number | undefined;
  readonly untilVisible = true;
  constructor(
    readonly schedule: Schedule,
    readonly source: string,
    /** the policy after the decisions: parsePolicy(schedule.then) */
    private readonly rest: Policy,
  ) {}
  get spec(): string {
    return `replay:${this.source}`;
  }
  get then(): string {
    return this.schedule.then;
  }
  get shared(): [number, number][] | undefined {
    return this.schedule.shared;
  }
  /** `index`: the decision's place in the file, from 1 (by default the one at the cursor) */
  private diverge(d: Decision, v: SchedulerView, why: string, index = this.at + 1): never {
    throw new ReplayDivergence(`${this.source}: decision ${index} (${formatDecision(d)}) does not fit this run: ${why} at step ${v.step}`);
  }
  /** the decision at the cursor, following repeat entries back to their pattern (and moving the cursor, unless peeking) */
  private current(peek = false): Decision | undefined {
    let at = this.at;
    let left = this.left;
    for (;;) {
      const d = this.schedule.decisions[at];
      if (!d || !('repeat' in d)) {
        if (!peek) { this.at = at; this.left = left; }
        return d;
      }
      left ??= d.repeat;
      if (left > 0) { left--; at -= d.period; } else { left = undefined; at++; }
    }
  }
  next(v: SchedulerView): Decision {
    const d = this.current();
    const index = this.at + 1;
    if (!d) {
      const r = this.rest.next(v);
      return 'core' in r ? { ...r, visible: r.visible ?? this.rest.untilVisible } : r;
    }
    if ('at' in d) {
      const fires = d.at === 'start' ? v.last === undefined : v.last === d.at.core && v.retired[d.at.core] === d.at.count;
      if (fires) {
        this.at++;
        if ('wake' in d.then) {
          if (!v.wfe.includes(d.then.wake)) this.diverge(d, v, `core ${d.then.wake} is not in WFE`, index);
          return { wake: d.then.wake };
        }
        if ('drain' in d.then) return this.drain(d, d.then, v, index);
        if (!v.ready.includes(d.then.core)) this.diverge(d, v, `core ${d.then.core} is not ready`, index);
        return this.capped(d.then.core, v);
      }
      if (d.at === 'start') this.diverge(d, v, 'the run has started');
      if (v.retired[d.at.core]! > d.at.count) this.diverge(d, v, `core ${d.at.core} is past instruction ${d.at.count}`);
      return this.capped(nonPreemptiveChoice(v), v);
    }
    this.at++;
    if ('drain' in d) return this.drain(d, d, v, index);
    const core = 'core' in d ? d.core : d.wake;
    const ok = 'core' in d ? v.ready.includes(core) : v.wfe.includes(core);
    if (!ok) this.diverge(d, v, `core ${core} is not ${'core' in d ? 'ready' : 'in WFE'}`, index);
    return 'core' in d ? { ...d, visible: false } : d;
  }
  private drain(d: Decision, drain: Drain, v: SchedulerView, index: number): Decision {
    if (!v.drains.some((o) => o.core === drain.drain && o.store === drain.store)) {
      this.diverge(d, v, `core ${drain.drain}'s store ${drain.store} cannot become visible now`, index);
    }
    return { drain: drain.drain, store: drain.store };
  }
  /** a plain schedule logged the scheduler's own drain too: it happened, the cursor moves past it */
  forcedDrain(core: number, store: number): void {
    const d = this.current(true);
    if (d && 'drain' in d && d.drain === core && d.store === store) this.at++;
  }
  /**
   * Where nothing else can go on, the schedule's own drain or early wake goes
   * first when it is the next decision (or a switch that fires now): an
   * exploring policy chose it there instead of the scheduler's default drain.
   */
  choosesDrains(v: SchedulerView): boolean {
    const d = this.current(true);
    if (!d) return false;
    if ('drain' in d || 'wake' in d) return true;
    return 'at' in d && !('core' in d.then) && d.at !== 'start' && v.last === d.at.core && v.retired[d.at.core] === d.at.count;
  }
  get memory(): 'sc' | 'relaxed' | undefined {
    return this.schedule.memory;
  }
  /** np's turn for `core`, ending exactly where the next switch token wants it */
  private capped(core: number, v: SchedulerView): Decision {
    const next = this.current(true);
    let steps = TURN;
    if (next && 'at' in next && next.at !== 'start' && next.at.core === core) {
      steps = next.at.count - v.retired[core]!;
      if (steps <= 0) this.diverge(next, v, `core ${core} would run past instruction ${next.at.count}`);
    }
    return { core, steps, visible: true };
  }
}
