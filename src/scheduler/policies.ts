/**
 * Scheduling policies: given which cores can run, choose the next decision.
 * A policy's `spec` is replayable: the same spec, firmware and options give
 * the same run.
 *
 *   rr              round robin, `quantum` steps per turn (lockstep at 1)
 *   random:SEED     a uniformly random ready core per turn, `quantum` steps
 *   np              non-preemptive: a core runs until it sleeps, spins or ends
 *   pct:DEPTH:SEED  PCT (Burckhardt et al., ASPLOS 2010), switching only at
 *                   points another core can observe
 *   replay:FILE     the decisions of a schedule file, then its `then` policy
 */
import { InputError } from '../errors.js';
import type { Decision } from './schedule.js';
import { formatDecision, Schedule } from './schedule.js';

export interface SchedulerView {
  /** cores that can run now, by id */
  ready: number[];
  /** the ready cores spinning on memory nothing has changed: their turn goes to others */
  spinning: number[];
  /** the ready cores whose whole state has repeated with memory unchanged */
  repeating: number[];
  /** cores asleep in WFE: an early wake is a legal choice (exploration only) */
  wfe: number[];
  last: number | undefined;
  /** decisions taken so far in this run */
  decisions: number;
  step: number;
  /** instructions each core has retired in this run */
  retired: number[];
}

export interface Policy {
  readonly spec: string;
  /** run each turn only up to the next instruction another core could observe */
  readonly untilVisible: boolean;
  next(v: SchedulerView): Decision;
}

/** the cores worth running: ready and not spinning (never empty: the scheduler checks livelock first) */
export function candidates(v: SchedulerView): number[] {
  const c = v.ready.filter((id) => !v.spinning.includes(id));
  if (c.length) return c;
  // all waiting: a counting wait can still time out, a repeating one cannot
  const counting = v.ready.filter((id) => !v.repeating.includes(id));
  return counting.length ? counting : v.ready;
}

function nextAfter(list: number[], last: number | undefined): number {
  if (last === undefined) return list[0]!;
  return list.find((id) => id > last) ?? list[0]!;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same run everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export class RoundRobin implements Policy {
  readonly untilVisible = false;
  constructor(private readonly quantum: number) {}
  get spec(): string {
    return 'rr';
  }
  next(v: SchedulerView): Decision {
    return { core: nextAfter(candidates(v), v.last), steps: this.quantum };
  }
}

export class RandomPolicy implements Policy {
  readonly untilVisible = false;
  private readonly rng: Rng;
  constructor(readonly seed: number, private readonly quantum: number) {
    this.rng = new Rng(seed);
  }
  get spec(): string {
    return `random:${this.seed}`;
  }
  next(v: SchedulerView): Decision {
    const c = candidates(v);
    return { core: c[this.rng.int(c.length)]!, steps: this.quantum };
  }
}

/** steps a core may run in one non-preemptive turn before the scheduler looks again */
export const TURN = 10_000;

/** np's choice: the last core while it can go and is not spinning, else the next in id order */
export function nonPreemptiveChoice(v: SchedulerView): number {
  const c = candidates(v);
  const keep = v.last !== undefined && c.includes(v.last) && !v.spinning.includes(v.last);
  return keep ? v.last! : nextAfter(c, v.last);
}

export class NonPreemptive implements Policy {
  readonly untilVisible = true;
  readonly spec = 'np';
  next(v: SchedulerView): Decision {
    return { core: nonPreemptiveChoice(v), steps: TURN };
  }
}

/**
 * PCT: random distinct priorities; at each of DEPTH-1 random change points
 * (over an estimated `points` scheduling points) the running core drops below
 * every other. The highest-priority ready core runs to its next visible step.
 * Finds any bug of depth DEPTH with probability at least 1/(n * k^(d-1)).
 */
export class PctPolicy implements Policy {
  readonly untilVisible = true;
  private readonly priority: number[];
  private readonly changes: number[];
  /** decisions so far at which more than one core could go: the k of PCT */
  private contended = 0;
  constructor(readonly depth: number, readonly seed: number, cores: number, points: number) {
    const rng = new Rng(seed);
    const order = Array.from({ length: cores }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    this.priority = new Array<number>(cores);
    order.forEach((core, rank) => { this.priority[core] = depth + rank; });
    this.changes = Array.from({ length: Math.max(0, depth - 1) }, () => 1 + rng.int(Math.max(1, points)));
  }
  get spec(): string {
    return `pct:${this.depth}:${this.seed}`;
  }
  next(v: SchedulerView): Decision {
    const c = candidates(v);
    if (c.length > 1) {
      this.contended++;
      const at = this.changes.indexOf(this.contended);
      if (at >= 0 && v.last !== undefined) this.priority[v.last] = at; // below every initial priority
    }
    const core = c.reduce((best, id) => (this.priority[id]! > this.priority[best]! ? id : best), c[0]!);
    return { core, steps: TURN };
  }
}

/**
 * Follows a schedule's decisions, then hands over to its `then` policy.
 * Switch tokens (`0#412>1`) run the non-preemptive default between them.
 */
export class ReplayPolicy implements Policy {
  private at = 0;
  private readonly rest: Policy;
  readonly untilVisible = true;
  constructor(readonly schedule: Schedule, readonly source: string, quantum: number, cores: number) {
    this.rest = parsePolicy(schedule.then, { quantum, cores });
  }
  get spec(): string {
    return `replay:${this.source}`;
  }
  private diverge(d: Decision, v: SchedulerView, why: string): never {
    throw new ReplayDivergence(`${this.source}: decision ${this.at + 1} (${formatDecision(d)}) does not fit this run: ${why} at step ${v.step}`);
  }
  next(v: SchedulerView): Decision {
    const d = this.schedule.decisions[this.at];
    if (!d) {
      const r = this.rest.next(v);
      return 'core' in r ? { ...r, visible: r.visible ?? this.rest.untilVisible } : r;
    }
    if ('at' in d) {
      const fires = d.at === 'start' ? v.last === undefined : v.last === d.at.core && v.retired[d.at.core] === d.at.count;
      if (fires) {
        this.at++;
        if ('wake' in d.then) {
          if (!v.wfe.includes(d.then.wake)) this.diverge(d, v, `core ${d.then.wake} is not in WFE`);
          return { wake: d.then.wake };
        }
        if (!v.ready.includes(d.then.core)) this.diverge(d, v, `core ${d.then.core} is not ready`);
        return this.capped(d.then.core, v);
      }
      if (d.at === 'start') this.diverge(d, v, 'the run has started');
      if (v.retired[d.at.core]! > d.at.count) this.diverge(d, v, `core ${d.at.core} is past instruction ${d.at.count}`);
      return this.capped(nonPreemptiveChoice(v), v);
    }
    this.at++;
    const core = 'core' in d ? d.core : d.wake;
    const ok = 'core' in d ? v.ready.includes(core) : v.wfe.includes(core);
    if (!ok) this.diverge(d, v, `core ${core} is not ${'core' in d ? 'ready' : 'in WFE'}`);
    return 'core' in d ? { ...d, visible: false } : d;
  }
  /** np's turn for `core`, ending exactly where the next switch token wants it */
  private capped(core: number, v: SchedulerView): Decision {
    const next = this.schedule.decisions[this.at];
    let steps = TURN;
    if (next && 'at' in next && next.at !== 'start' && next.at.core === core) {
      steps = next.at.count - v.retired[core]!;
      if (steps <= 0) this.diverge(next, v, `core ${core} would run past instruction ${next.at.count}`);
    }
    return { core, steps, visible: true };
  }
}

export class ReplayDivergence extends InputError {}

export interface PolicyOptions {
  quantum: number;
  cores: number;
  /** scheduling points PCT spreads its change points over */
  pctPoints?: number;
}

export function parsePolicy(spec: string, o: PolicyOptions): Policy {
  const bad = (why: string) => new InputError(`--schedule ${spec}: ${why}`);
  const [kind, ...args] = spec.split(':');
  const int = (s: string | undefined, what: string) => {
    if (s === undefined || !/^\d+$/.test(s)) throw bad(`${what} must be a non-negative integer`);
    return Number(s);
  };
  switch (kind) {
    case 'rr':
      if (args.length) throw bad('rr takes no argument (use --quantum)');
      return new RoundRobin(o.quantum);
    case 'random':
      if (args.length !== 1) throw bad('expected random:SEED');
      return new RandomPolicy(int(args[0], 'SEED'), o.quantum);
    case 'np':
      return new NonPreemptive();
    case 'pct': {
      if (args.length !== 2) throw bad('expected pct:DEPTH:SEED');
      const depth = int(args[0], 'DEPTH');
      if (depth < 1) throw bad('DEPTH must be at least 1');
      return new PctPolicy(depth, int(args[1], 'SEED'), o.cores, o.pctPoints ?? 200);
    }
    case 'replay': {
      const file = args.join(':');
      if (!file) throw bad('expected replay:FILE');
      return new ReplayPolicy(Schedule.load(file, o.cores), file, o.quantum, o.cores);
    }
    default:
      throw bad('unknown policy (expected rr, random:SEED, np, pct:DEPTH:SEED or replay:FILE)');
  }
}
