/**
 * Checkpoints for forced prefixes: exhaustive search and DPOR run many
 * schedules that share a long prefix of choices with one run before, and
 * differ only after it. Instead of running that prefix again from reset, a
 * run goes on from a machine snapshot (machine.ts) taken when an earlier run
 * reached the same decision along the same choices, with the scheduler
 * loop's state, the policy's record of the decisions so far and the switch
 * tokens taken.
 *
 * The machine is deterministic, so the state at decision d depends only on
 * the choices before it: a checkpoint whose choices are a prefix of the new
 * run's forced prefix is exactly where running from reset would arrive
 * (test/snapshots.test.ts compares both ways). Whether a run resumed is
 * invisible in its result, schedule and record.
 *
 * Where checkpoints are taken (figures in docs/exploration.md): a snapshot
 * costs about as much as 200 steps and a restore about as much as a reset,
 * so a checkpoint pays when it saves a few hundred steps of replay at least
 * once. Every run takes one where its forced prefix makes its last choice
 * (the next runs of both searches branch there or later along this path),
 * unless that is within BREAK_EVEN steps of where it started. DPOR runs also
 * take one every `every` steps past the prefix, where DPOR's later
 * backtracking lands; exhaustive search branches from every decision of a
 * frame in order, so the prefix checkpoints already walk along it, and
 * periodic ones cost more than they save there. The cache keeps the most
 * recently used `cap`.
 */
import type { Machine, MachineSnapshot } from '../machine/machine.js';
import { disposeSnapshot } from '../machine/machine.js';
import { restoreState, type SavedState, saveState, type Stateful } from '../machine/state.js';
import type { SwitchRecorder } from '../scheduler/policies/recorder.js';
import type { Policy } from '../scheduler/policy.js';
import type { Switch } from '../scheduler/schedule.js';
import type { LoopHooks, LoopState } from '../scheduler/scheduler.js';
import { type RunOptions, type RunResult, runOn } from '../run.js';

/** a policy that follows a forced prefix and can go on from a checkpoint of its record */
export interface Resumable extends Policy {
  readonly points: { chosen: string }[];
  /** go on after the decisions `points` record (taken along the same choices as this policy's prefix) */
  resumeAt(points: { chosen: string }[]): void;
}

interface Checkpoint {
  /** the choices of the decisions before it */
  choices: string[];
  steps: number;
  machine: MachineSnapshot;
  loop: LoopState;
  points: { chosen: string }[];
  switches: Switch[];
  /** the caller's own observer (DPOR's operation recorder), mid-operation */
  held: SavedState | undefined;
  used: number;
}

/** steps between DPOR's checkpoints past the prefix when not told (measured: 1000 took too many that were never used) */
export const CHECKPOINT_STEPS = 4000;
/** steps of replay a checkpoint must save to be worth taking (a snapshot costs about 200 steps' time) */
const BREAK_EVEN = 400;

export class Checkpoints {
  private readonly list: Checkpoint[] = [];
  private tick = 0;
  /** runs that went on from a checkpoint, and the steps they did not run again */
  resumed = 0;
  skippedSteps = 0;

  constructor(private readonly machine: Machine, readonly every = CHECKPOINT_STEPS, readonly cap = 48) {}

  /** the deepest checkpoint taken along `prefix` (at most at its end) */
  private find(prefix: string[]): Checkpoint | undefined {
    let best: Checkpoint | undefined;
    for (const cp of this.list) {
      const n = cp.choices.length;
      if (n > prefix.length || (best && n <= best.choices.length)) continue;
      let same = true;
      for (let i = 0; i < n && same; i++) same = cp.choices[i] === prefix[i];
      if (same) best = cp;
    }
    return best;
  }

  private add(cp: Checkpoint): void {
    if (this.list.length >= this.cap) {
      let lru = 0;
      for (let i = 1; i < this.list.length; i++) if (this.list[i]!.used < this.list[lru]!.used) lru = i;
      disposeSnapshot(this.list[lru]!.machine);
      this.list.splice(lru, 1);
    }
    this.list.push(cp);
  }

  /**
   * Runs `inner` (wrapped in `switches`) along its forced `prefix`: from
   * the deepest checkpoint on it, else from reset; takes new checkpoints as
   * it goes. `held`: the caller's observer whose state is part of the run.
   */
  run(switches: SwitchRecorder, inner: Resumable, prefix: string[], o: RunOptions, periodic: boolean, held?: Stateful): { result: RunResult } {
    const from = this.find(prefix);
    if (from) {
      from.used = ++this.tick;
      this.machine.restore(from.machine);
      inner.resumeAt(from.points.map((p) => ({ ...p })));
      switches.switches.push(...from.switches.map((s) => ({ ...s })));
      if (held) restoreState(held, from.held!);
      this.resumed++;
      this.skippedSteps += from.steps;
    }
    let last = from?.steps ?? 0;
    const start = from?.choices.length ?? 0;
    const hooks: LoopHooks = {
      ...(from ? { resume: from.loop } : {}),
      atDecision: (d, steps, save) => {
        // where the prefix's last choice is made: the next runs branch there or later, along this path
        const branching = d === prefix.length - 1 && d > start && steps - last >= Math.min(BREAK_EVEN, this.every);
        // past the prefix, new ground: later runs branch anywhere on it
        const onward = periodic && d >= prefix.length && steps - last >= this.every;
        if (!(branching || onward) || d === 0) return;
        last = steps;
        this.add({
          choices: inner.points.map((p) => p.chosen), steps, machine: this.machine.snapshot(), loop: save(),
          points: inner.points.map((p) => ({ ...p })), switches: switches.switches.map((s) => ({ ...s })),
          held: held ? saveState(held) : undefined, used: ++this.tick,
        });
      },
    };
    return runOn(this.machine, switches, o, hooks);
  }

  dispose(): void {
    for (const cp of this.list) disposeSnapshot(cp.machine);
    this.list.length = 0;
  }
}
