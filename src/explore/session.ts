/**
 * One exploring machine: engines opened once, reset between runs. Every
 * worker builds the same session (same probe, same learned shared pages), so
 * a run's result depends only on its spec, never on which worker ran it.
 */
import { type FirmwareImage, loadFirmware } from '../elf/elf.js';
import type { Machine } from '../machine/machine.js';
import { NonPreemptive, PctPolicy, type Policy, ReplayPolicy } from '../scheduler/policies.js';
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
  /** RAM pages accessed by more than one core in the probe: their accesses are scheduling points */
  sharedPages: number;
  /** decision points of the probe run where more than one core could go: PCT spreads its change points over these */
  contendedPoints: number;
}

export class ExploreSession {
  readonly machine: Machine;
  readonly image: FirmwareImage;
  readonly oracle: EarlyWakeOracle;
  readonly info: SessionInfo;

  constructor(readonly path: string, readonly options: RunOptions) {
    const board = boardFor(options);
    this.image = loadFirmware(path, board);
    this.machine = prepareMachine(this.image, options);
    this.oracle = new EarlyWakeOracle(this.machine);
    this.machine.events.subscribe(this.oracle);
    this.info = this.probe();
  }

  /** An np run and an rr run with every page a scheduling point; then only pages both cores used stay one. */
  private probe(): SessionInfo {
    const native = this.machine.bus.native;
    native.pageShared.fill(1);
    runOn(this.machine, new NonPreemptive(), this.options);
    const users = native.pageUsers;
    let shared = 0;
    for (let p = 0; p < users.length; p++) {
      const u = users[p]!;
      const many = (u & (u - 1)) !== 0;
      native.pageShared[p] = many ? 1 : 0;
      if (many) shared++;
    }
    // with the learned pages: how many decisions could go more than one way
    let contended = 0;
    const np = new NonPreemptive();
    runOn(this.machine, {
      spec: 'np', untilVisible: true,
      next: (v) => {
        if (v.ready.filter((id) => !v.spinning.includes(id)).length > 1) contended++;
        return np.next(v);
      },
    }, this.options);
    return { sharedPages: shared, contendedPoints: Math.max(1, contended) };
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
    schedule.pages = this.machine.sharedPages();
    return schedule.toFile({ firmware: this.path, ...header });
  }

  dispose(): void {
    this.machine.dispose();
  }
}
