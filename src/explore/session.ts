/**
 * One exploring machine: engines opened once, reset between runs. Every
 * worker builds the same session (same probe, same learned shared pages), so
 * a run's result depends only on its spec, never on which worker ran it.
 */
import { type FirmwareImage, loadFirmware } from '../elf/elf.js';
import type { Machine } from '../machine/machine.js';
import { NonPreemptive, PctPolicy, type Policy, ReplayPolicy, RoundRobin } from '../scheduler/policies.js';
import { Schedule } from '../scheduler/schedule.js';
import { boardFor, prepareMachine, type RunOptions, type RunResult, runOn } from '../run.js';
import { ChoicePolicy, type ChoicePoint, EarlyWakeOracle, RandomExplore, SwitchRecorder } from './strategies.js';

export type RunSpec =
  | { kind: 'random'; seed: number }
  | { kind: 'pct'; depth: number; seed: number }
  | { kind: 'choices'; prefix: string[] }
  | { kind: 'schedule'; text: string };

export interface RunRecord {
  result: RunResult;
  /** the run as a replay file: its choices against the np default, as switch tokens */
  schedule: string;
  /** exhaustive only: decision points with their options */
  points?: ChoicePoint[];
  diverged?: boolean;
}

export interface SessionInfo {
  /** RAM words one core writes and another uses, in the probe runs: their accesses are scheduling points */
  sharedWords: number;
  /** decision points of the probe run where more than one core could go: PCT spreads its change points over these */
  contendedPoints: number;
}

export class ExploreSession {
  readonly machine: Machine;
  readonly image: FirmwareImage;
  readonly oracle: EarlyWakeOracle;
  readonly info: SessionInfo;
  /** the learned scheduling-point words, as [address, words] ranges */
  readonly shared: [number, number][] = [];

  constructor(readonly path: string, readonly options: RunOptions) {
    const board = boardFor(options);
    this.image = loadFirmware(path, board);
    this.machine = prepareMachine(this.image, options);
    this.oracle = new EarlyWakeOracle(this.machine);
    this.machine.events.subscribe(this.oracle);
    this.info = this.probe();
  }

  /**
   * Probe runs (np, then rr) with every access a scheduling point, watching
   * who reads, writes and executes each word. Only the words two cores use
   * and one of them writes stay scheduling points: an access no other core
   * can observe, like a literal-pool load, needs no decision.
   */
  private probe(): SessionInfo {
    const use = new Map<number, number>(); // word -> readers | writers << 8 | fetchers << 16
    const mark = (address: number, length: number, bit: number) => {
      for (let w = address & ~3; w < address + length; w += 4) use.set(w, (use.get(w) ?? 0) | bit);
    };
    const unsubscribe = this.machine.events.subscribe({
      read: (core, _s, address, size) => mark(address, size, 1 << core),
      write: (core, _s, address, size) => mark(address, size, 1 << (core + 8)),
      fetch: (core, _s, pc, size) => mark(pc, size, 1 << (core + 16)),
    });
    try {
      runOn(this.machine, new NonPreemptive(), this.options);
      runOn(this.machine, new RoundRobin(1), this.options);
    } finally {
      unsubscribe();
    }
    const words: number[] = [];
    for (const [w, u] of use) {
      const writers = (u >>> 8) & 0xff;
      const users = (u | (u >>> 8) | (u >>> 16)) & 0xff;
      // some core writes it and some other core reads, writes or runs it
      for (let c = 0; c < 8; c++) if (writers & (1 << c) && users & ~(1 << c)) { words.push(w); break; }
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
        if (v.ready.filter((id) => !v.spinning.includes(id)).length > 1) contended++;
        return np.next(v);
      },
    }, this.options);
    return { sharedWords: words.length, contendedPoints: Math.max(1, contended) };
  }

  run(spec: RunSpec): RunRecord {
    let inner: Policy;
    let choice: ChoicePolicy | undefined;
    switch (spec.kind) {
      case 'random': inner = new RandomExplore(spec.seed, this.oracle); break;
      case 'pct': inner = new PctPolicy(spec.depth, spec.seed, this.machine.cores.length, this.info.contendedPoints); break;
      case 'choices': inner = choice = new ChoicePolicy(spec.prefix, this.oracle); break;
      case 'schedule': {
        const schedule = Schedule.parse(spec.text, 'schedule', this.machine.cores.length);
        inner = new ReplayPolicy(schedule, 'schedule', 1, this.machine.cores.length);
        break;
      }
    }
    const recorder = new SwitchRecorder(inner);
    const { result } = runOn(this.machine, recorder, this.options);
    return {
      result,
      schedule: this.replayFile(new Schedule(recorder.switches)),
      ...(choice ? { points: choice.points, diverged: choice.diverged } : {}),
    };
  }

  /** a schedule as a replay file for this session: with the pages that were scheduling points */
  replayFile(schedule: Schedule, header: Record<string, string | number> = {}): string {
    schedule.shared = this.shared;
    return schedule.toFile({ firmware: this.path, ...header });
  }

  dispose(): void {
    this.machine.dispose();
  }
}
