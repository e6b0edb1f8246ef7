/**
 * One exploring machine: engines opened once, reset between runs. Every
 * worker builds the same session (the main session's learned shared words),
 * so a run's result depends only on its spec, never on which worker ran it.
 */
import { createHash } from 'node:crypto';
import { type FirmwareImage, loadFirmware } from '../elf/elf.js';
import type { Machine } from '../machine/machine.js';
import { earlyWakes, type EarlyWakeOracle } from '../scheduler/early-wake.js';
import { parsePolicy } from '../scheduler/parse.js';
import { type ChoicePoint, ChoicePolicy } from '../scheduler/policies/choices.js';
import { type DporPoint, DporPolicy, SleepBlocked } from '../scheduler/policies/dpor.js';
import { type Operation, OperationRecorder } from '../scheduler/operations.js';
import { NonPreemptive } from '../scheduler/policies/non-preemptive.js';
import { PctPolicy } from '../scheduler/policies/pct.js';
import { RandomVisible } from '../scheduler/policies/random-visible.js';
import { SwitchRecorder } from '../scheduler/policies/recorder.js';
import { ReplayPolicy } from '../scheduler/policies/replay.js';
import { RoundRobin } from '../scheduler/policies/round-robin.js';
import { isContended, type Policy } from '../scheduler/policy.js';
import { Schedule } from '../scheduler/schedule.js';
import { type BranchStep, type LearnedPath, RepeatRun, ScheduleTrie } from '../scheduler/trie.js';
import { boardFor, firmwareSha256, prepareMachine, type RunOptions, type RunResult, runOn } from '../run.js';
import { report } from '../report/result.js';
import { CHECKPOINT_STEPS, Checkpoints } from './snapshots.js';

export type RunSpec =
  | { kind: 'random'; seed: number }
  | { kind: 'pct'; depth: number; seed: number; /** K: contended decisions expected in a run (default: the probe's) */ k?: number }
  | { kind: 'choices'; prefix: string[] }
  | { kind: 'dpor'; prefix: string[]; carry: Record<string, Operation> }
  | { kind: 'schedule'; text: string };

export interface RunRecord {
  result: RunResult;
  /** the run as a replay file: its choices against the np default, as switch tokens */
  schedule: string;
  /** hash of the decision sequence: two runs with the same one ran the same schedule */
  decisions: string;
  /** pct only: contended decisions (and offered early wakes) the run had */
  contended?: number;
  /** random/pct: the run's branching decisions, for the trie of schedules already run */
  branches?: BranchStep[];
  /** pct: stopped as soon as it could only repeat a schedule already run (not counted; `result` is where it stopped) */
  repeat?: boolean;
  /** exhaustive only: decision points with their options */
  points?: ChoicePoint[];
  diverged?: boolean;
  /** dpor only: every decision with its options, operation and sleep set */
  dpor?: DporPoint[];
  /** dpor only: stopped because every option was asleep (redundant: `result` is where it stopped, not an outcome) */
  blocked?: boolean;
  /** dpor only: the run had more decisions than a run records (DPOR_MAX_DECISIONS); those past the bound raced with nothing */
  overflowed?: boolean;
}

export interface SessionInfo {
  /** RAM words one core writes and another uses, in the probe runs: their accesses are scheduling points */
  sharedWords: number;
  /** decision points of the probe run where more than one core could go: PCT spreads its change points over these */
  contendedPoints: number;
}

/** what the probe runs learn: scheduling-point words and the PCT k */
export interface Learned {
  shared: [number, number][];
  info: SessionInfo;
}

/** a run's decision sequence (its switch tokens against np), hashed */
export function decisionsHash(schedule: Schedule): string {
  return createHash('sha1').update(schedule.toString()).digest('hex').slice(0, 16);
}

export class ExploreSession {
  readonly machine: Machine;
  readonly image: FirmwareImage;
  readonly oracle: EarlyWakeOracle;
  readonly info: SessionInfo;
  /** the learned scheduling-point words, as [address, words] ranges */
  readonly shared: [number, number][] = [];
  /** of the ELF: replay files name it */
  readonly sha256: string;
  /** snapshots forced prefixes go on from (absent under --memory relaxed, whose store buffers they do not hold, or when turned off) */
  readonly checkpoints: Checkpoints | undefined;

  /** `learned`: what another session's probe found (workers take the main session's, not run it again) */
  constructor(readonly path: string, readonly options: RunOptions, learned?: Learned) {
    const board = boardFor(options);
    this.image = loadFirmware(path, board);
    this.sha256 = firmwareSha256(this.image);
    this.machine = prepareMachine(this.image, options);
    this.oracle = earlyWakes(this.machine);
    const every = options.checkpointSteps ?? CHECKPOINT_STEPS;
    this.checkpoints = every > 0 && options.memory !== 'relaxed' ? new Checkpoints(this.machine, every) : undefined;
    if (learned) {
      this.shared.push(...learned.shared);
      this.machine.setSharedWords(this.shared);
      this.info = learned.info;
    } else {
      this.info = this.probe();
    }
  }

  /**
   * Probe runs (np, then rr) with every access a scheduling point, watching
   * who reads, writes and executes each word. Only the words two cores use
   * and one of them writes stay scheduling points: an access no other core
   * can observe, like a literal-pool load, needs no decision.
   */
  private probe(): SessionInfo {
    // who uses each word: an IRQ handler counts as an agent of its own (core + 8),
    // since an interrupt can land between any two instructions of the code it interrupts
    const use = new Map<number, [number, number, number]>(); // word -> [readers, writers, fetchers]
    const depth = this.machine.cores.map(() => 0);
    const agent = (core: number) => 1 << (core + (depth[core]! > 0 ? 8 : 0));
    const mark = (address: number, length: number, kind: 0 | 1 | 2, core: number) => {
      for (let w = address & ~3; w < address + length; w += 4) {
        const u = use.get(w) ?? [0, 0, 0];
        u[kind] |= agent(core);
        use.set(w, u);
      }
    };
    const unsubscribe = this.machine.events.subscribe({
      read: (core, _s, address, size) => mark(address, size, 0, core),
      write: (core, _s, address, size) => mark(address, size, 1, core),
      fetch: (core, _s, pc, size) => mark(pc, size, 2, core),
      event: (e) => {
        if (e.kind === 'exception-entry') depth[e.core]!++;
        if (e.kind === 'exception-return') depth[e.core] = Math.max(0, depth[e.core]! - 1);
        if (e.kind === 'power') depth[e.core] = 0;
      },
    });
    try {
      runOn(this.machine, new NonPreemptive(), this.options);
      depth.fill(0);
      runOn(this.machine, new RoundRobin(1), this.options);
    } finally {
      unsubscribe();
    }
    const words: number[] = [];
    for (const [w, [readers, writers, fetchers]] of use) {
      const users = readers | writers | fetchers;
      // some agent writes it and some other agent reads, writes or runs it
      for (let a = 0; a < 16; a++) if (writers & (1 << a) && users & ~(1 << a)) { words.push(w); break; }
    }
    words.sort((a, b) => a - b);
    for (const w of words) {
      const last = this.shared[this.shared.length - 1];
      if (last && last[0] + last[1] * 4 === w) last[1]++;
      else this.shared.push([w, 1]);
    }
    this.machine.setSharedWords(this.shared);
    // with the learned words: how many decisions could go more than one way
    let contended = 0;
    const np = new NonPreemptive();
    runOn(this.machine, {
      spec: 'np', untilVisible: true,
      next: (v) => {
        if (isContended(v)) contended++;
        return np.next(v);
      },
    }, this.options);
    return { sharedWords: words.length, contendedPoints: Math.max(1, contended) };
  }

  private recorder: OperationRecorder | undefined;
  /** random/pct: the schedules already run, as the driver tells between batches (never this batch's: see trie.ts) */
  readonly trie = new ScheduleTrie();

  learn(paths: LearnedPath[]): void {
    for (const p of paths) this.trie.add(p.path, p.cut);
  }

  /** a DPOR run: the operation of every decision recorded (only here: it costs an observer per instruction) */
  private runDpor(spec: Extract<RunSpec, { kind: 'dpor' }>): RunRecord {
    if (!this.recorder) {
      const words = new Set<number>();
      for (const [a, n] of this.shared) for (let i = 0; i < n; i++) words.add(a + 4 * i);
      this.recorder = new OperationRecorder(this.machine, words);
    }
    const recorder = this.recorder;
    recorder.reset();
    const policy = new DporPolicy(spec.prefix, spec.carry, this.oracle, recorder);
    const switches = new SwitchRecorder(policy);
    const unsubscribe = this.machine.events.subscribe(recorder);
    try {
      const { result } = this.checkpoints ? this.checkpoints.run(switches, policy, spec.prefix, this.options, true, recorder) : runOn(this.machine, switches, this.options);
      policy.finish();
      const schedule = new Schedule(switches.switches);
      return { result, decisions: decisionsHash(schedule), schedule: this.replayFile(schedule), dpor: policy.points, diverged: policy.diverged, ...(policy.overflowed ? { overflowed: true } : {}) };
    } catch (e) {
      if (!(e instanceof SleepBlocked)) throw e;
      const result = report(this.machine, 'running', 0, policy.spec, 1);
      const schedule = new Schedule(switches.switches);
      return { result, decisions: decisionsHash(schedule), schedule: this.replayFile(schedule), dpor: policy.points, diverged: policy.diverged, blocked: true };
    } finally {
      unsubscribe();
    }
  }

  run(spec: RunSpec): RunRecord {
    if (spec.kind === 'dpor') return this.runDpor(spec);
    let inner: Policy;
    let choice: ChoicePolicy | undefined;
    const walk = spec.kind === 'random' || spec.kind === 'pct' ? this.trie.walk() : undefined;
    switch (spec.kind) {
      case 'random': inner = new RandomVisible(spec.seed, this.oracle, undefined, walk); break;
      case 'pct': inner = new PctPolicy(spec.depth, spec.seed, this.machine.cores.length, spec.k ?? this.info.contendedPoints, this.oracle, walk); break;
      case 'choices': inner = choice = new ChoicePolicy(spec.prefix, this.oracle); break;
      case 'schedule': {
        const schedule = Schedule.parse(spec.text, 'schedule', this.machine.cores.length);
        inner = new ReplayPolicy(schedule, 'schedule', parsePolicy(schedule.then, { quantum: 1, cores: this.machine.cores.length, machine: this.machine }));
        break;
      }
    }
    const recorder = new SwitchRecorder(inner);
    let result: RunResult;
    try {
      ({ result } = choice && this.checkpoints
        ? this.checkpoints.run(recorder, choice, spec.kind === 'choices' ? spec.prefix : [], this.options, false)
        : runOn(this.machine, recorder, this.options));
    } catch (e) {
      if (!(e instanceof RepeatRun)) throw e;
      return { result: report(this.machine, 'running', 0, inner.spec, 1), schedule: '', decisions: '', repeat: true };
    }
    const schedule = new Schedule(recorder.switches);
    return {
      result,
      ...(walk ? { branches: walk.path } : {}),
      decisions: decisionsHash(schedule),
      ...(inner instanceof PctPolicy ? { contended: inner.contended } : {}),
      schedule: this.replayFile(schedule),
      ...(choice ? { points: choice.points, diverged: choice.diverged } : {}),
    };
  }

  /** a schedule as a replay file for this session: with the pages that were scheduling points */
  replayFile(schedule: Schedule, header: Record<string, string | number> = {}): string {
    schedule.shared = this.shared;
    schedule.firmwareSha256 = this.sha256;
    if (this.options.memory === 'relaxed') schedule.memory = 'relaxed';
    return schedule.toFile({ firmware: this.path, ...header });
  }

  dispose(): void {
    this.checkpoints?.dispose();
    this.machine.dispose();
  }
}
