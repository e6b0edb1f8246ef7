/**
 * The lockstep scheduler.
 *
 * Overview: a run is a loop of decisions. Before each one the scheduler
 * applies the wake rules, then looks at every core — ready, asleep in WFE,
 * spinning on memory nothing changes, repeating its whole state — and ends
 * the run if nothing can go on (deadlock: no core ready and no timer armed;
 * livelock: every ready core repeats and no timer is armed) or the step
 * budget is spent (timeout). With every core asleep and a timer armed, the
 * virtual clock skips to its next event instead (machine/clock.ts). Otherwise the policy
 * picks the next decision: run core C for N steps (optionally only to its
 * next visible operation, or to a symbol), or end a core's WFE early. The
 * machine runs the turn (machine/turn.ts); the decision goes into the log
 * that becomes the run's replayable schedule.
 *
 * Under --memory relaxed a decision may also make a buffered store visible
 * (a drain). A core waiting at a barrier is not ready; when nothing else can
 * go on (no core ready, or every ready core waiting on memory) the oldest
 * store of the lowest core drains by default, and so does a store buffered
 * for DRAIN_AGE steps (visible in finite time): stores become visible late,
 * in program order, and reorderings are choices.
 *
 * Invariants: the policy sees only the view (never the machine), so a
 * schedule plus the firmware determines the run; the loop allocates nothing
 * per decision, since in lockstep it runs once per step.
 */
import { InputError } from '../errors.js';
import type { Machine } from '../machine/machine.js';
import type { Policy, SchedulerView } from './policy.js';
import { DecisionLog } from './decision-log.js';
import { restoreState, type SavedState, saveState } from '../machine/state.js';
import type { Schedule } from './schedule.js';

/** `timeout`: the step budget ran out; `wall-clock`: the time bound did */
export type Verdict = 'running' | 'deadlock' | 'livelock' | 'timeout' | 'wall-clock';

/** how often the wall clock is read: every this many decisions, or this many steps (a clock read per lockstep step would cost) */
const CLOCK_DECISIONS = 64;
const CLOCK_STEPS = 100_000;

export interface ScheduledRun {
  verdict: Verdict;
  /** built on demand: a lockstep run has a decision per step */
  schedule: () => Schedule;
  switches: number;
}

/** the loop's own state at the top of a decision: with a machine snapshot taken there, enough to go on */
export interface LoopState {
  log: SavedState;
  last: number | undefined;
  decisions: number;
}

export interface LoopHooks {
  /** go on from here (the machine was restored to the snapshot taken with it) instead of from the start */
  resume?: LoopState;
  /** called once per decision, at the top of the loop before anything of it happens; `save` copies the loop's state */
  atDecision?: (decisions: number, steps: number, save: () => LoopState) => void;
}

/** `deadline`: a Date.now() time after which the run ends as a wall-clock timeout */
export function schedule(machine: Machine, policy: Policy, maxSteps: number, deadline?: number, hooks: LoopHooks = {}): ScheduledRun {
  const log = new DecisionLog();
  if (hooks.resume) restoreState(log, hooks.resume.log);
  const then = policy.then ?? 'np';
  // one view, refilled for every decision: this loop runs once per step in lockstep
  const v: SchedulerView = { ready: [], spinning: [], repeating: [], wfe: [], last: undefined, decisions: 0, step: 0, retired: machine.retired, drains: [], defaultDrain: undefined };
  const memory = machine.memory;
  const masks = [0, 0, 0, 0];
  const end = (verdict: Verdict): ScheduledRun => ({ verdict, schedule: () => log.toSchedule(then), switches: log.switches });
  const waiting = machine.waiting;
  let sinceClock = 0;
  let clockSteps = 0;
  const clock = machine.clock;
  if (hooks.resume) {
    v.last = hooks.resume.last;
    v.decisions = hooks.resume.decisions;
  }
  const atDecision = hooks.atDecision;
  let announced = -1;
  const save = (): LoopState => ({ log: saveState(log), last: v.last, decisions: v.decisions });
  // a turn of a rotation run in C, as if the policy had decided it
  const rotated = (core: number, steps: number) => {
    v.decisions++;
    log.run(core, steps);
    v.last = core;
  };
  const quantum = policy.rotation;
  let rotateFrom = 0;
  let rotationBackoff = 1;
  /** turns of a round-robin policy over `ready` run in C (Machine.rotate); false if none ran. Where
      rotations keep ending after a turn or two (copying code, polling a device) they wait a while:
      the result is the same either way, only the time differs. */
  const rotate = (ready: number): boolean => {
    if (quantum === undefined || v.decisions < rotateFrom || quantum > MAX_ROTATION_QUANTUM || atDecision || !machine.canRotate(quantum)) return false;
    const room = Math.min(maxSteps - machine.steps - clock.skips, clock.nextEvent() - clock.now, MAX_ROTATION_STEPS);
    const turns = room >= quantum ? machine.rotate(ready, v.last, quantum, room, rotated) : 0;
    if (turns < SHORT_ROTATION) {
      rotateFrom = v.decisions + rotationBackoff;
      rotationBackoff = Math.min(rotationBackoff * 2, MAX_ROTATION_BACKOFF);
    } else {
      rotationBackoff = 1;
    }
    return turns > 0;
  };
  for (;;) {
    if (atDecision && v.decisions !== announced) {
      announced = v.decisions;
      atDecision(v.decisions, machine.steps, save);
    }
    if (machine.ended) return end('running');
    // a skip ahead in time counts against the budget too: a timer that wakes no one cannot go on forever
    if (machine.steps + clock.skips >= maxSteps) return end('timeout');
    if (deadline !== undefined && (++sinceClock >= CLOCK_DECISIONS || machine.steps - clockSteps >= CLOCK_STEPS)) {
      sinceClock = 0;
      clockSteps = machine.steps;
      if (Date.now() >= deadline) return end('wall-clock');
    }
    waiting.wakeSleepers();
    // the lists change rarely: compare as bit masks, rebuild only when they do
    let ready = 0;
    let spinning = 0;
    let repeating = 0;
    let wfe = 0;
    for (const c of machine.cores) {
      const bit = 1 << c.id;
      if (c.state === 'wfe') wfe |= bit;
      if (c.state !== 'running' || memory.blocked(c.id)) continue;
      ready |= bit;
      if (waiting.isRepeating(c.id)) repeating |= bit;
      if (waiting.isSpinning(c.id)) spinning |= bit;
    }
    if (ready !== masks[0]) fill(v.ready, (masks[0] = ready));
    if (spinning !== masks[1]) fill(v.spinning, (masks[1] = spinning));
    if (repeating !== masks[2]) fill(v.repeating, (masks[2] = repeating));
    if (wfe !== masks[3]) fill(v.wfe, (masks[3] = wfe));
    const pending = memory.pending;
    const late = pending ? memory.overdue() : undefined;
    v.defaultDrain = undefined;
    if (late || (pending && (v.ready.length === 0 || v.spinning.length === v.ready.length))) {
      // nothing else can go on, or a store has waited long enough: the oldest buffered store becomes visible
      const d = late ?? memory.defaultDrain()!;
      if (late || !policy.choosesDrains?.(v)) {
        if (late) policy.forcedDrain?.(d.core, d.store);
        memory.drain(d.core, d.store);
        log.drain(d.core, d.store);
        continue;
      }
      v.defaultDrain = d; // exploration chooses which store it is
    }
    v.drains = pending ? memory.options() : NO_DRAINS;
    if (v.ready.length === 0 && !v.defaultDrain) {
      // every core sleeps: time passes to the next timer event; a deadlock only if no timer can ever fire
      if (clock.skipToNext()) continue;
      return end('deadlock');
    }
    // a loop that repeats can still be ended by a timer
    if (v.repeating.length === v.ready.length && !v.defaultDrain && clock.nextEvent() === Infinity) return end('livelock');
    // round robin where nothing between turns can change the candidates: the turns run back to back in C
    if (!pending && (spinning | repeating) === 0 && rotate(ready)) continue;
    v.step = machine.steps;
    const d = policy.next(v);
    v.decisions++;
    if ('wake' in d) {
      waiting.wakeEarly(d.wake);
      log.wake(d.wake);
      continue;
    }
    if ('drain' in d) {
      if (!memory.drain(d.drain, d.store)) throw new Error(`policy ${policy.spec} drained core ${d.drain}'s store ${d.store}, which cannot drain now`);
      log.drain(d.drain, d.store);
      continue;
    }
    if (v.defaultDrain) throw new Error(`policy ${policy.spec} ran a core where only a drain can go on`);
    if ('at' in d) throw new Error(`policy ${policy.spec} returned a switch token`);
    if (v.last !== undefined && d.core !== v.last && machine.events.wantsEvents) {
      machine.emit({ kind: 'switch', step: machine.steps, from: v.last, to: d.core });
    }
    const until = d.until === undefined ? undefined : resolveSymbol(machine, d.until);
    const visible = (d.visible ?? policy.untilVisible) && until === undefined;
    log.run(d.core, machine.runCore(d.core, Math.min(d.steps, maxSteps - machine.steps), visible, until));
    v.last = d.core;
  }
}

/** `symbol` or `symbol+0xOFF` of the firmware, as hand-written `CORE@SYMBOL` tokens name an address */
export function resolveSymbol(machine: Machine, expr: string): number {
  const m = /^([^+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(expr);
  const sym = m && machine.firmware.symbol(m[1]!);
  if (!sym) throw new InputError(`schedule: no symbol '${m?.[1] ?? expr}' in ${machine.firmware.path}`);
  return (sym.address + (m[2] ? Number(m[2]) : 0)) >>> 0;
}

const NO_DRAINS: SchedulerView['drains'] = [];
/** rotations are for short turns (lockstep); a long turn is one native call anyway */
const MAX_ROTATION_QUANTUM = 4096;
/** a rotation of fewer turns did not pay for itself: the next waits 1, 2, 4 … up to the maximum decisions */
const SHORT_ROTATION = 4;
const MAX_ROTATION_BACKOFF = 256;
/** steps one rotation may run (the stepper counts them in 32 bits) */
const MAX_ROTATION_STEPS = 2 ** 30;

function fill(list: number[], mask: number): void {
  list.length = 0;
  for (let id = 0; mask; id++, mask >>>= 1) if (mask & 1) list.push(id);
}
