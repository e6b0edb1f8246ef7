/**
 * One run, end to end: firmware ELF → machine → scheduler → checks → result.
 * The library entry point behind `penlab run`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type FirmwareImage, loadFirmware } from './elf/elf.js';
import { hex } from './format.js';
import { InputError } from './errors.js';
import { type Board, MAX_CORES, vexpressA9 } from './machine/board.js';
import type { Hazard, MachineObserver } from './machine/events.js';
import { Machine } from './machine/machine.js';
import { attachChecks, type CheckOptions } from './checks/checks.js';
import { parsePolicy, type Policy, ReplayPolicy } from './scheduler/policies.js';
import { schedule as runScheduler } from './scheduler/scheduler.js';
import type { Schedule } from './scheduler/schedule.js';
import { initDisassembler } from './report/disasm.js';
import { TraceWriter } from './report/trace.js';
import { writeFileAtomic } from './report/files.js';

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
  cores: CoreReport[];
  hazards: HazardReport[];
  /** replayable: `--schedule <schedule> --quantum <quantum>` with the same firmware runs it again */
  schedule: string;
  quantum: number;
  /** context switches the run made */
  switches: number;
  message?: string;
}

export interface RunOptions extends CheckOptions {
  cores?: number;
  /** policy spec: rr, random:SEED, np, pct:DEPTH:SEED, replay:FILE */
  schedule?: string;
  quantum?: number;
  maxSteps?: number;
  continueAfterHazard?: boolean;
  dramSize?: number;
  /** extra subscribers to the machine's event stream (traces, tests) */
  observers?: MachineObserver[];
  /** write a text trace of the run here */
  trace?: string;
  /** write the decisions taken as a replay file here */
  saveSchedule?: string;
}

export const DEFAULT_MAX_STEPS = 10_000_000;

export function boardFor(o: { cores?: number; dramSize?: number }): Board {
  const cores = o.cores ?? 2;
  if (!Number.isInteger(cores) || cores < 1 || cores > MAX_CORES) throw new InputError(`--cores ${cores}: must be 1 to ${MAX_CORES}`);
  return vexpressA9({ cores, dramSize: o.dramSize });
}

export function validateRunOptions(o: RunOptions): void {
  const q = o.quantum ?? 1;
  if (!Number.isInteger(q) || q < 1) throw new InputError(`--quantum ${q}: must be a positive integer`);
  const m = o.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isInteger(m) || m < 1) throw new InputError(`--max-steps ${m}: must be a positive integer`);
}

/** A machine with its checks attached, ready for `runOn` (reusable across runs). */
export function prepareMachine(image: FirmwareImage, o: RunOptions = {}): Machine {
  const machine = new Machine(boardFor(o), image, { continueAfterHazard: o.continueAfterHazard });
  attachChecks(machine, o);
  for (const obs of o.observers ?? []) machine.events.subscribe(obs);
  return machine;
}

/** Runs the loaded machine from reset under `policy`. */
export function runOn(machine: Machine, policy: Policy, o: RunOptions = {}): { result: RunResult; schedule: () => Schedule } {
  machine.reset();
  // a replay file made by exploration names the words it switched at
  if (policy instanceof ReplayPolicy && policy.schedule.shared) machine.setSharedWords(policy.schedule.shared);
  const maxSteps = o.maxSteps ?? DEFAULT_MAX_STEPS;
  const { verdict, schedule, switches } = runScheduler(machine, policy, maxSteps, policy instanceof ReplayPolicy ? policy.schedule.then : 'np');
  return { result: report(machine, verdict, switches, policy.spec, o.quantum ?? 1), schedule };
}

export async function runFirmware(path: string, o: RunOptions = {}): Promise<RunResult> {
  await initDisassembler();
  validateRunOptions(o);
  for (const [option, file] of [['--trace', o.trace], ['--save-schedule', o.saveSchedule]] as const) {
    if (file && !existsSync(dirname(resolve(file)))) throw new InputError(`${option} ${file}: no directory ${dirname(resolve(file))}`);
  }
  const board = boardFor(o);
  const image = loadFirmware(path, board);
  const policy = parsePolicy(o.schedule ?? 'rr', { quantum: o.quantum ?? 1, cores: board.cores });
  const machine = prepareMachine(image, o);
  const trace = o.trace ? new TraceWriter(machine, o.trace) : undefined;
  if (trace) machine.events.subscribe(trace);
  try {
    const { result, schedule } = runOn(machine, policy, o);
    trace?.finish();
    if (o.saveSchedule) {
      writeFileAtomic(o.saveSchedule, schedule().toFile({ firmware: path, outcome: result.outcome, steps: result.steps }));
    }
    return result;
  } catch (e) {
    trace?.abort();
    throw e;
  } finally {
    machine.dispose();
  }
}

function report(m: Machine, verdict: string, switches: number, spec: string, quantum: number): RunResult {
  const e = m.ending;
  let outcome: Outcome;
  let message: string | undefined;
  if (m.hazards.length) outcome = m.hazards[0]!.kind;
  else if (e?.outcome === 'fault') outcome = 'fault';
  else if (e?.outcome === 'exit') outcome = e.exitCode === 0 ? 'pass' : 'exit-failure';
  else if (verdict === 'deadlock' || verdict === 'livelock' || verdict === 'timeout') outcome = verdict;
  else outcome = 'timeout';
  if (e?.outcome === 'fault') message = e.message;
  else if (outcome === 'deadlock') {
    message = m.cores.some((c) => c.live)
      ? 'every live core is waiting (WFI/WFE) and nothing can wake it'
      : 'every core is powered off or halted and nothing can start one';
  }
  else if (outcome === 'livelock') message = 'every running core spins on memory that nothing changes';
  else if (outcome === 'timeout') message = `step budget of ${m.steps} ran out`;
  if (outcome === 'timeout') {
    const spots = m.cores.filter((c) => c.live).map((c) => `core ${c.id} at ${m.symbolize(c.pc)}${m.isSpinning(c.id) ? ' (waiting)' : ''}`);
    message += `: ${spots.join(', ')}`;
  }
  const ref = (r: Hazard['writer']) => ({ core: r.core, pc: hex(r.pc), symbol: r.symbol });
  const shown = m.console.filter((c) => c.step < m.reportedSteps);
  return {
    outcome,
    exitCode: e?.outcome === 'exit' ? e.exitCode : null,
    steps: m.reportedSteps,
    console: Buffer.from(shown.map((c) => c.byte)).toString('latin1'),
    consoleCores: shown.map((c) => String(c.core)).join(''),
    cores: m.cores.map((_, id) => {
      const s = m.coreSummary(id);
      return { id, pc: hex(s.pc), symbol: s.symbol, state: s.state };
    }),
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
  };
}
