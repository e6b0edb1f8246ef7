/**
 * One run of DPOR exploration (explore/dpor.ts): follows a forced prefix of
 * choices (`0`, `1`: run that core to its next visible operation; `w1`: end
 * core 1's WFE early), then continues non-preemptively, except that it never
 * runs a core whose next operation is in the *sleep set*: already explored
 * from an equivalent state. Records each decision's options and the
 * operation it performed (operations.ts), and the sleep set at each decision
 * after the prefix.
 *
 * A run whose every option is asleep can only repeat a class already
 * explored: it stops at once (`SleepBlocked`) and is not counted.
 *
 * Under --memory relaxed every drainable store is an option too (`d1.3`),
 * where nothing else can go on the policy chooses which store becomes
 * visible (the scheduler's default first), and a drain the scheduler forces
 * (a store buffered DRAIN_AGE steps) is a decision with that one option.
 */
import { InputError } from '../../errors.js';
import type { EarlyWakeOracle } from '../early-wake.js';
import { conflicts, type Operation, type OperationRecorder } from '../operations.js';
import { candidates, isPreemption, nonPreemptiveChoice, type Policy, type SchedulerView, TURN } from '../policy.js';
import type { Decision } from '../schedule.js';

export interface DporPoint {
  options: string[];
  chosen: string;
  /** options that are preemptions or early wakes */
  costly: string[];
  /** what the chosen decision did (filled in when the next decision starts, or when the run ends) */
  op?: Operation;
  /** after the prefix: the options asleep here, with the operation each would do */
  sleep?: Record<string, Operation>;
}

/**
 * Decisions a DPOR run records at most. Every decision keeps its options,
 * operation and sleep set until the search is over, so a run that polls a
 * device for ten million steps would otherwise fill the heap; about 50 MB at
 * the bound.
 */
export const DPOR_MAX_DECISIONS = 100_000;

/** an InputError so that a hand-given `--schedule dpor:...` that blocks is one line, exit 2 */
export class SleepBlocked extends InputError {
  constructor(spec: string, decision: number) {
    super(`--schedule ${spec}: every option at decision ${decision} is in the sleep set`);
  }
}

/** an operation in a spec: CORE r OBJ.OBJ w OBJ.OBJ [g] (objects in decimal) */
export function encodeOperation(op: Operation): string {
  return `${op.core}r${op.reads.join('.')}w${op.writes.join('.')}${op.global ? 'g' : ''}`;
}

export function decodeOperation(text: string): Operation | undefined {
  const m = /^(\d+)r([\d.]*)w([\d.]*)(g?)$/.exec(text);
  if (!m) return undefined;
  const list = (s: string) => (s === '' ? [] : s.split('.').map(Number));
  const op: Operation = { core: Number(m[1]), reads: list(m[2]!), writes: list(m[3]!) };
  if (m[4]) op.global = true;
  return op;
}

export class DporPolicy implements Policy {
  readonly untilVisible = true;
  readonly points: DporPoint[] = [];
  /** the run had more than DPOR_MAX_DECISIONS decisions: those past the bound were not recorded */
  overflowed = false;
  diverged = false;
  private sleep: Record<string, Operation> | undefined;

  constructor(
    private readonly prefix: string[],
    /** options asleep at the prefix's last decision (besides its choice), with their operations there */
    private readonly carry: Record<string, Operation>,
    private readonly oracle: EarlyWakeOracle,
    private readonly recorder: OperationRecorder,
  ) {
    if (prefix.length === 0) this.sleep = { ...carry };
  }

  /** `dpor:PREFIX[:sleep=OPT@OP;...]`: the prefix and the carried sleep set, which steers the run past the prefix */
  get spec(): string {
    const sleep = Object.entries(this.carry).map(([opt, op]) => `${opt}@${encodeOperation(op)}`).join(';');
    return `dpor:${this.prefix.join(',')}${sleep ? `:sleep=${sleep}` : ''}`;
  }

  choosesDrains(): boolean {
    return true;
  }

  forcedDrain(core: number, store: number): void {
    this.finish();
    const token = `d${core}.${store}`;
    const i = this.points.length;
    if (i < this.prefix.length && this.prefix[i] !== token) this.diverged = true;
    const sleep = i >= this.prefix.length ? { ...this.sleep } : undefined;
    this.points.push({ options: [token], chosen: token, costly: [], ...(sleep ? { sleep } : {}) });
    this.recorder.beginDrain(core, store);
  }

  /** go on after `points`, recorded by a run along the same choices (explore/snapshots.ts): all inside this prefix */
  resumeAt(points: { chosen: string }[]): void {
    for (const p of points as DporPoint[]) {
      const { sleep: _asleep, ...inPrefix } = p;
      this.points.push(inPrefix);
    }
  }

  /** closes the last decision's operation (the run is over, or the next decision starts) */
  finish(): void {
    const last = this.points[this.points.length - 1];
    if (!last || last.op) return;
    const op = this.recorder.end();
    if (!op) return;
    last.op = op;
    const i = this.points.length - 1;
    if (i === this.prefix.length - 1) this.sleep = { ...this.carry };
    if (this.sleep && i >= this.prefix.length - 1) {
      // what stays asleep: operations the one just done does not conflict with
      for (const [o, sop] of Object.entries(this.sleep)) if (o === last.chosen || conflicts(sop, op)) delete this.sleep[o];
    }
  }

  next(v: SchedulerView): Decision {
    this.finish();
    if (this.points.length >= DPOR_MAX_DECISIONS) {
      // past the bound the run goes on non-preemptively and unrecorded (the search says it is not complete)
      this.overflowed = true;
      return v.defaultDrain ? { drain: v.defaultDrain.core, store: v.defaultDrain.store } : { core: nonPreemptiveChoice(v), steps: TURN };
    }
    const last = this.points[this.points.length - 1];
    if (last?.op && !last.op.global && v.spinning.includes(last.op.core)) last.op.poll = true;
    // where nothing else can go on, a store must become visible: the scheduler's default one unless another is chosen
    const stuck = v.defaultDrain && `d${v.defaultDrain.core}.${v.defaultDrain.store}`;
    const c = stuck ? [] : candidates(v);
    const wakes = this.oracle.offers(v).map((w) => `w${w}`);
    const options = [...c.map(String), ...wakes, ...v.drains.map((d) => `d${d.core}.${d.store}`)];
    const costly = options.filter((o) => o !== stuck && (o.startsWith('w') || o.startsWith('d') || isPreemption(v, Number(o))));
    const i = this.points.length;
    let chosen: string;
    let sleep: Record<string, Operation> | undefined;
    if (i < this.prefix.length) {
      const want = this.prefix[i]!;
      chosen = want;
      if (!options.includes(want)) {
        this.diverged = true;
        chosen = stuck || String(nonPreemptiveChoice(v));
      }
    } else {
      sleep = { ...this.sleep };
      const awake = (o: string) => !(o in sleep!);
      const np = stuck || String(nonPreemptiveChoice(v));
      const pick = awake(np) ? np : options.find((o) => !o.startsWith('w') && awake(o)) ?? wakes[0];
      if (pick === undefined) throw new SleepBlocked(this.spec, i);
      chosen = pick;
    }
    this.points.push({ options, chosen, costly, ...(sleep ? { sleep } : {}) });
    if (chosen.startsWith('d')) {
      const [core, store] = chosen.slice(1).split('.').map(Number);
      this.recorder.beginDrain(core!, store!);
      return { drain: core!, store: store! };
    }
    const wake = chosen.startsWith('w');
    const core = Number(wake ? chosen.slice(1) : chosen);
    this.recorder.begin(core, wake);
    return wake ? { wake: core } : { core, steps: TURN };
  }
}
