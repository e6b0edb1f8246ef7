/**
 * Exploration policies: all of them switch cores only at points another core
 * could observe (untilVisible), skip cores that are spinning on unchanged
 * memory, and may end a WFE early where that can change the outcome.
 */
import type { Machine } from '../machine/machine.js';
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import { candidates, nonPreemptiveChoice, type Policy, Rng, type SchedulerView, TURN } from '../scheduler/policies.js';
import type { Decision, Switch } from '../scheduler/schedule.js';

/**
 * When may a WFE end early and matter? Only after another core has written
 * memory since the WFE began (DESIGN.md). To keep the search small it is
 * offered at the first such write, and then at every write to a word the
 * sleeping core has read (its wait loop's words): then it could see something
 * new. Each offer is made once.
 */
export class EarlyWakeOracle implements MachineObserver {
  private readonly reads: Set<number>[];
  private readonly asleep: boolean[];
  private readonly firstWrite: boolean[];
  private readonly eligible: boolean[];

  constructor(private readonly machine: Machine) {
    const n = machine.cores.length;
    this.reads = Array.from({ length: n }, () => new Set<number>());
    this.asleep = new Array<boolean>(n).fill(false);
    this.firstWrite = new Array<boolean>(n).fill(false);
    this.eligible = new Array<boolean>(n).fill(false);
    machine.onReset(() => this.reset());
  }

  reset(): void {
    for (const r of this.reads) r.clear();
    this.asleep.fill(false);
    this.firstWrite.fill(false);
    this.eligible.fill(false);
  }

  read(core: number, _step: number, address: number): void {
    const r = this.reads[core]!;
    if (r.size < 4096) r.add(address & ~3);
  }

  write(core: number, _step: number, address: number): void {
    const word = address & ~3;
    for (let c = 0; c < this.asleep.length; c++) {
      if (c === core || !this.asleep[c]) continue;
      if (this.firstWrite[c] || this.reads[c]!.has(word)) this.eligible[c] = true;
      this.firstWrite[c] = false;
    }
  }

  event(e: MachineEvent): void {
    if (e.kind === 'sleep' && e.how === 'wfe') {
      this.asleep[e.core] = true;
      this.firstWrite[e.core] = true;
    } else if (e.kind === 'wake') {
      this.asleep[e.core] = false;
      this.eligible[e.core] = false;
    }
  }

  /** cores whose WFE could end early now with a visible effect; asking consumes the offer */
  offers(v: SchedulerView): number[] {
    const out = v.wfe.filter((c) => this.eligible[c]);
    for (const c of out) this.eligible[c] = false;
    return out;
  }
}

/**
 * Wraps an exploration policy and writes down every choice it makes against
 * the non-preemptive default, as switch tokens: the run's replay schedule,
 * one token per preemption (or early wake).
 */
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
    else if ('core' in d && d.core !== nonPreemptiveChoice(v)) this.switches.push({ at, then: { core: d.core } });
    return d;
  }
}

/** random walk over visible points; an offered early wake is taken with probability 1/4 */
export class RandomExplore implements Policy {
  readonly untilVisible = true;
  private readonly rng: Rng;
  constructor(readonly seed: number, private readonly oracle?: EarlyWakeOracle) {
    this.rng = new Rng(seed);
  }
  get spec(): string {
    return `random-visible:${this.seed}`;
  }
  next(v: SchedulerView): Decision {
    const wakes = this.oracle?.offers(v) ?? [];
    if (wakes.length && this.rng.int(4) === 0) return { wake: wakes[this.rng.int(wakes.length)]! };
    const c = candidates(v);
    return { core: c[this.rng.int(c.length)]!, steps: TURN };
  }
}

/** One option at a decision point of a run, as exhaustive search records it. */
export interface ChoicePoint {
  options: string[];
  chosen: string;
  /** options that are preemptions (the running core could have gone on) or early wakes */
  costly: string[];
}

/**
 * Follows a prefix of choices (`0`, `1`: run that core; `w1`: end core 1's
 * WFE), then the non-preemptive default; records every decision point's
 * options so the search can branch.
 */
export class ChoicePolicy implements Policy {
  readonly untilVisible = true;
  readonly points: ChoicePoint[] = [];
  diverged = false;
  constructor(private readonly prefix: string[], private readonly oracle?: EarlyWakeOracle) {}
  get spec(): string {
    return `choices:${this.prefix.join(',')}`;
  }
  next(v: SchedulerView): Decision {
    const c = candidates(v);
    const wakes = (this.oracle?.offers(v) ?? []).map((w) => `w${w}`);
    const options = [...c.map(String), ...wakes];
    const dflt = String(nonPreemptiveChoice(v));
    const preemptive = v.last !== undefined && c.includes(v.last) && !v.spinning.includes(v.last);
    const costly = options.filter((o) => o.startsWith('w') || (preemptive && o !== dflt));
    let chosen = dflt;
    const i = this.points.length;
    if (i < this.prefix.length) {
      const want = this.prefix[i]!;
      if (options.includes(want)) chosen = want;
      else this.diverged = true;
    }
    this.points.push({ options, chosen, costly });
    return chosen.startsWith('w') ? { wake: Number(chosen.slice(1)) } : { core: Number(chosen), steps: TURN };
  }
}
