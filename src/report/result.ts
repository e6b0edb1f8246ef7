/**
 * What a run and an exploration report: the result shapes `--json` prints
 * (docs/cli.md) and the one function that turns a finished machine into a
 * RunResult. Formatters (human.ts) and matchers read these shapes only.
 */
import { hex } from '../format.js';
import type { Hazard } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import type { Verdict } from '../scheduler/scheduler.js';

export type Outcome = 'pass' | 'clobber' | 'stale-code' | 'deadlock' | 'livelock' | 'timeout' | 'fault' | 'exit-failure';

export interface CoreReport {
  id: number;
  pc: string;
  symbol: string;
  state: string;
}

export interface HazardReport {
  kind: Hazard['kind'];
  step: number;
  writer: { core: number; pc: string; symbol: string };
  victim: { core: number; pc: string; symbol: string };
  address: string;
  addressSymbol: string;
  instruction?: string;
  detail?: string;
}

export interface RunResult {
  outcome: Outcome;
  /** the firmware's semihosting exit code, null if it never exited */
  exitCode: number | null;
  steps: number;
  console: string;
  /** the console byte by byte: which core wrote what, in order */
  consoleCores: string;
  /** console bytes past the limit (`--console-limit`), counted but not kept; absent when none */
  consoleDropped?: number;
  cores: CoreReport[];
  hazards: HazardReport[];
  /** replayable: `--schedule <schedule> --quantum <quantum>` with the same firmware runs it again */
  schedule: string;
  quantum: number;
  /** context switches the run made */
  switches: number;
  message?: string;
  /** runFirmware: the `penlab run` command line that runs this again, exactly */
  command?: string;
  /** runFirmware: the replay file of this run's decisions (saveSchedule, or the replay:FILE it followed) */
  replayFile?: string;
  /** the memory model the verdict holds under (docs/memory-model.md) */
  memory: 'sc' | 'relaxed';
  /** relaxed, a failed run: the reorderings it took and the barrier each needed */
  reorderings?: string[];
}

export type Strategy = 'random' | 'pct' | 'exhaustive' | 'dpor';

export interface FailureReport {
  outcome: string;
  /** replay file: `penlab run FIRMWARE --schedule replay:FILE` reproduces the failure */
  replay: string;
  /** that command, with the run options the exploration used */
  command: string;
  hazard?: HazardReport;
  message?: string;
  /** context switches in the (shrunk) replay schedule */
  switches: number;
  /** the run that found it: index (random/pct) or choice prefix (exhaustive) */
  foundBy: string;
  schedule: string;
  /** the last instructions of each core in the replayed failure */
  lastInstructions: { core: number; lines: string[] }[];
  /** relaxed: the reorderings the failure needed, with the barrier that forbids each */
  reorderings?: string[];
}

export interface ExploreResult {
  firmware: string;
  /** the memory model every verdict holds under */
  memory: 'sc' | 'relaxed';
  strategy: Strategy;
  /** schedules run and counted: every one distinct (a run repeating an earlier schedule is not counted) */
  schedules: number;
  /** distinct decision sequences among them: always equal to schedules */
  distinct: number;
  /** runs that repeated a schedule already run, not counted (random, pct: their seeds cannot know in advance) */
  duplicates: number;
  /** random/pct: why it stopped before --runs schedules (it could not produce a new one) */
  stopped?: string;
  outcomes: Record<string, number>;
  failures: FailureReport[];
  /** exhaustive: the preemption-bounded space was covered (not cut by --runs); dpor: every class of equivalent schedules was run */
  complete?: boolean;
  /** dpor: why the exploration is not complete */
  incomplete?: string;
  seed: number;
  sharedWords: number;
  contendedPoints: number;
  /** stopped early (Ctrl-C): the state is saved in `out` for --resume; failures are as found, not shrunk */
  interrupted?: boolean;
}

export interface DemoRow {
  variant: string;
  what: string;
  rr: string;
  delayed: string;
  pct: string;
  verdict: 'safe' | 'unsafe';
  expected: boolean;
  /** the first failure: a replay file and what happened */
  failure?: { replay: string; summary: string };
}

/** `symbol+off`, marked when the code there is no longer what the ELF says (e.g. a kexec'd kernel) */
export function describePc(m: Machine, pc: number): string {
  const sym = m.symbolize(pc);
  return m.isRewritten(pc, 2) ? `${sym} (rewritten since load)` : sym;
}

/** What a report says about each core: `pen` for a core running or waiting inside `__penlab_pen*` ranges. */
export function coreReport(m: Machine, id: number): CoreReport {
  const pc = m.reportedPc(id);
  const now = m.cores[id]!.state;
  const inPen = m.firmware.ranges('__penlab_pen').some(([s, e]) => pc >= s && pc < e);
  const state = (now === 'running' || now === 'wfe') && inPen ? 'pen' : now;
  return { id, pc: hex(pc), symbol: describePc(m, pc), state };
}

/** The result of the run the machine has just finished, as the scheduler left it. */
/** `timeoutSeconds`: the wall-clock bound, named when it is what ended the run */
export function report(m: Machine, verdict: Verdict, switches: number, spec: string, quantum: number, timeoutSeconds?: number): RunResult {
  const e = m.ending;
  let outcome: Outcome;
  let message: string | undefined;
  if (m.hazards.length) outcome = m.hazards[0]!.kind;
  else if (e?.outcome === 'fault') outcome = 'fault';
  else if (e?.outcome === 'exit') outcome = e.exitCode === 0 ? 'pass' : 'exit-failure';
  else if (verdict === 'deadlock' || verdict === 'livelock' || verdict === 'timeout') outcome = verdict;
  else if (verdict === 'wall-clock') outcome = 'timeout';
  else outcome = 'timeout';
  if (e?.outcome === 'fault') message = e.message;
  else if (outcome === 'deadlock') {
    message = m.cores.some((c) => c.live)
      ? 'every live core is waiting (WFI/WFE) and nothing can wake it'
      : 'every core is powered off or halted and nothing can start one';
  }
  else if (outcome === 'livelock') message = 'every running core spins on memory that nothing changes';
  else if (verdict === 'wall-clock') message = `wall-clock bound of ${timeoutSeconds ?? '?'} s (--timeout) ran out after ${m.steps} steps`;
  else if (outcome === 'timeout') message = `step budget of ${m.steps} ran out`;
  if (outcome === 'timeout') {
    const spots = m.cores.filter((c) => c.live).map((c) => `core ${c.id} at ${m.symbolize(c.pc)}${m.waiting.isSpinning(c.id) ? ' (waiting)' : ''}`);
    message += `: ${spots.join(', ')}`;
  }
  const ref = (r: Hazard['writer']) => ({ core: r.core, pc: hex(r.pc), symbol: r.symbol });
  return {
    outcome,
    exitCode: e?.outcome === 'exit' ? e.exitCode : null,
    steps: m.reportedSteps,
    console: m.console.text(),
    consoleCores: m.console.coreDigits(),
    ...(m.console.dropped ? { consoleDropped: m.console.dropped } : {}),
    cores: m.cores.map((_, id) => coreReport(m, id)),
    hazards: m.hazards.map((h) => ({
      kind: h.kind, step: h.step, writer: ref(h.writer), victim: ref(h.victim),
      address: hex(h.address), addressSymbol: m.symbolize(h.address),
      ...(h.instruction ? { instruction: h.instruction } : {}),
      ...(h.detail ? { detail: h.detail } : {}),
    })),
    schedule: spec,
    quantum,
    switches,
    ...(message ? { message } : {}),
    memory: m.memoryModel,
    ...(outcome !== 'pass' && m.memory.notes.length ? { reorderings: [...m.memory.notes] } : {}),
  };
}
