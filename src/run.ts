/**
 * One run, end to end: firmware ELF → machine → scheduler → checks → result.
 * The library entry point behind `penlab run`.
 */
import { createHash } from 'node:crypto';
import { type FirmwareImage, loadFirmware } from './elf/elf.js';
import { InputError } from './errors.js';
import { DEFAULT_MAX_STEPS } from './limits.js';
import { type Board, MAX_CORES, vexpressA9 } from './machine/board.js';
import type { MachineObserver } from './machine/events.js';
import { Machine } from './machine/machine.js';
import { MEMORY_MODELS, type MemoryModel } from './machine/memory.js';
import { attachChecks, type CheckOptions } from './checks/checks.js';
import { parsePolicy } from './scheduler/parse.js';
import type { Policy } from './scheduler/policy.js';
import { type LoopHooks, schedule as runScheduler } from './scheduler/scheduler.js';
import type { Schedule } from './scheduler/schedule.js';
import { initDisassembler } from './disasm.js';
import { report, type RunResult } from './report/result.js';
import type { TraceFormat } from './trace/formats.js';
import type { TraceSelection } from './trace/filter.js';
import type { TraceRecorder } from './trace/recorder.js';
import { runCommand } from './report/command.js';
import { checkDistinctOutputs, checkOutputFile, writeFileAtomic } from './report/files.js';
import { ReplayPolicy } from './scheduler/policies/replay.js';

export type { CoreReport, HazardReport, Outcome, RunResult } from './report/result.js';

export interface RunOptions extends CheckOptions {
  cores?: number;
  /** policy spec: rr, random:SEED, np, pct:DEPTH:SEED, replay:FILE */
  schedule?: string;
  quantum?: number;
  maxSteps?: number;
  continueAfterHazard?: boolean;
  dramSize?: number;
  /** reopen an engine at a reset once it generated this many translation blocks (memory bound; results never depend on it) */
  engineBlockBudget?: number;
  /** round-robin turns run back to back in C where nothing watches them (default true; false: a native call per turn, which tests compare against) */
  rotations?: boolean;
  /** exploration: steps between machine snapshots that forced prefixes go on from (0: always run from reset; explore/snapshots.ts) */
  checkpointSteps?: number;
  /** virtual clock rate: cycles (instructions retired machine-wide) per virtual second */
  clockHz?: number;
  /** an undefined instruction, BKPT or alignment fault ends the run as a fault instead of entering the vector */
  faultOnException?: boolean;
  /** extra subscribers to the machine's event stream (traces, tests) */
  observers?: MachineObserver[];
  /** write a trace of the run here (`-`: stdout, and the CLI's report goes to stderr; `.gz`: compressed); docs/traces.md */
  trace?: string;
  /** text (default) or jsonl (default for a .jsonl or .jsonl.gz name) */
  traceFormat?: TraceFormat;
  /** core=N, addr=LO-HI, symbol=GLOB, kind=K (repeatable) */
  traceFilter?: string[];
  /** the trace window: a step number or a symbol */
  traceFrom?: string;
  traceTo?: string;
  /** write the decisions taken as a replay file here */
  saveSchedule?: string;
  /** wall-clock bound of the run in seconds: past it the run ends as a `timeout` (explore: per schedule) */
  timeout?: number;
  /** console bytes kept (default 1 MiB); the rest are counted in `consoleDropped` */
  consoleLimit?: number;
  /** replay a schedule file recorded for another firmware image */
  force?: boolean;
  /** the memory model: sc (default) or relaxed (store buffers, non-coherent caches; docs/memory-model.md) */
  memory?: MemoryModel;
}

export { DEFAULT_MAX_STEPS } from './limits.js';

/** the `penlab run` command that runs `firmware` under `spec` with these options again */
export function commandFor(firmware: string, spec: string, o: RunOptions): string {
  return runCommand(firmware, spec, { ...o, maxSteps: o.maxSteps === DEFAULT_MAX_STEPS ? undefined : o.maxSteps });
}

export function boardFor(o: { cores?: number; dramSize?: number; clockHz?: number }): Board {
  const cores = o.cores ?? 2;
  if (!Number.isInteger(cores) || cores < 1 || cores > MAX_CORES) throw new InputError(`--cores ${cores}: must be 1 to ${MAX_CORES}`);
  const hz = o.clockHz;
  if (hz !== undefined && (!Number.isInteger(hz) || hz < 1 || hz > 1e12)) throw new InputError(`--clock-hz ${hz}: must be an integer from 1 to 10^12`);
  const dram = o.dramSize;
  // the board's DRAM window is 1 GiB, and Unicorn maps whole 4 KiB pages
  if (dram !== undefined && (!Number.isInteger(dram) || dram < 0x100000 || dram > 0x40000000 || dram % 4096 !== 0)) {
    throw new InputError(`--dram-size ${dram}: must be a multiple of 4096 from 1 MiB (0x100000) to 1 GiB (0x40000000)`);
  }
  return vexpressA9({ cores, dramSize: dram, clockHz: hz });
}

export function validateRunOptions(o: RunOptions): void {
  const q = o.quantum ?? 1;
  if (!Number.isInteger(q) || q < 1) throw new InputError(`--quantum ${q}: must be a positive integer`);
  if (o.memory !== undefined && !MEMORY_MODELS.includes(o.memory)) throw new InputError(`--memory ${o.memory}: expected sc or relaxed`);
  const m = o.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isInteger(m) || m < 1) throw new InputError(`--max-steps ${m}: must be a positive integer`);
  const t = o.timeout;
  if (t !== undefined && !(Number.isFinite(t) && t > 0)) throw new InputError(`--timeout ${t}: must be a positive number of seconds`);
  const c = o.consoleLimit;
  if (c !== undefined && !(Number.isSafeInteger(c) && c >= 0)) throw new InputError(`--console-limit ${c}: must be an integer >= 0`);
}

/** sha256 (hex) of the ELF file an image was loaded from: what replay files are checked against */
export function firmwareSha256(image: FirmwareImage): string {
  return createHash('sha256').update(image.bytes).digest('hex');
}

/** A machine with its checks attached, ready for `runOn` (reusable across runs). */
export function prepareMachine(image: FirmwareImage, o: RunOptions = {}): Machine {
  const machine = new Machine(boardFor(o), image, {
    continueAfterHazard: o.continueAfterHazard, engineBlockBudget: o.engineBlockBudget, rotations: o.rotations, consoleLimit: o.consoleLimit,
    faultOnException: o.faultOnException, memory: o.memory,
  });
  attachChecks(machine, o);
  for (const obs of o.observers ?? []) machine.events.subscribe(obs);
  return machine;
}

/**
 * Runs the loaded machine from reset under `policy`; with `hooks.resume`, on
 * from a snapshot the caller restored instead (explore/snapshots.ts).
 */
export function runOn(machine: Machine, policy: Policy, o: RunOptions = {}, hooks: LoopHooks = {}): { result: RunResult; schedule: () => Schedule } {
  const ran = runScheduled(machine, policy, o, hooks);
  return { result: ran.report(), schedule: ran.schedule };
}

/** runOn, with the report made when the caller asks for it (after loading the disassembler, if the run needs it) */
function runScheduled(machine: Machine, policy: Policy, o: RunOptions, hooks: LoopHooks = {}): { report: () => RunResult; schedule: () => Schedule } {
  // a replay file says which model its decisions were taken under
  if (policy.memory && o.memory && policy.memory !== o.memory) {
    throw new InputError(`--memory ${o.memory}: the schedule ${policy.spec} was recorded under --memory ${policy.memory}`);
  }
  machine.memoryModel = policy.memory ?? o.memory ?? 'sc';
  if (!hooks.resume) machine.reset();
  // a replay file made by exploration names the words it switched at
  if (policy.shared) machine.setSharedWords(policy.shared);
  const maxSteps = o.maxSteps ?? DEFAULT_MAX_STEPS;
  const deadline = o.timeout === undefined ? undefined : Date.now() + o.timeout * 1000;
  const { verdict, schedule, switches } = runScheduler(machine, policy, maxSteps, deadline, hooks);
  return { report: () => report(machine, verdict, switches, policy.spec, o.quantum ?? 1, o.timeout), schedule };
}

export async function runFirmware(path: string, o: RunOptions = {}): Promise<RunResult> {
  // a trace disassembles every instruction; a run without one, only the instructions of its hazards
  if (o.trace) await initDisassembler();
  validateRunOptions(o);
  // every output is checked before any work, so a bad path never costs a run
  if (o.trace === '') throw new InputError("--trace '': expected a file name, or - for stdout");
  if (o.saveSchedule === '') throw new InputError("--save-schedule '': expected a file name");
  const outputs: [string, string][] = [];
  if (o.trace && o.trace !== '-') outputs.push(['--trace', o.trace]);
  if (o.saveSchedule) outputs.push(['--save-schedule', o.saveSchedule]);
  for (const [option, file] of outputs) checkOutputFile(option, file);
  const replayed = typeof o.schedule === 'string' && o.schedule.startsWith('replay:') ? [o.schedule.slice('replay:'.length)] : [];
  checkDistinctOutputs(outputs, [path, ...replayed]);
  // the trace modules load only when a trace option is given (start-up of a plain run)
  const traceModules = o.trace || o.traceFormat !== undefined || o.traceFilter?.length || o.traceFrom !== undefined || o.traceTo !== undefined
    ? await Promise.all([import('./trace/filter.js'), import('./trace/formats.js'), import('./trace/output.js'), import('./trace/recorder.js')])
    : undefined;
  let traceSelection: TraceSelection | undefined;
  if (traceModules) {
    const [{ parseFilters, parseWindowEdge }, { TRACE_FORMATS }] = traceModules;
    if (o.traceFormat !== undefined && !TRACE_FORMATS.includes(o.traceFormat)) {
      throw new InputError(`--trace-format ${o.traceFormat}: must be ${TRACE_FORMATS.join(' or ')}`);
    }
    traceSelection = { filter: parseFilters(o.traceFilter ?? []), from: parseWindowEdge('--trace-from', o.traceFrom), to: parseWindowEdge('--trace-to', o.traceTo) };
  }
  const board = boardFor(o);
  const image = loadFirmware(path, board);
  const sha = firmwareSha256(image);
  const spec = o.schedule ?? 'rr';
  const policyOptions = { quantum: o.quantum ?? 1, cores: board.cores };
  // checked before any engine opens; exploration's own policies also need the machine they watch
  const watches = /^(random-visible|choices|dpor):/.test(spec);
  const early = watches ? undefined : parsePolicy(spec, policyOptions);
  if (early instanceof ReplayPolicy) checkRecordedFor(early, path, sha, o.force);
  const machine = prepareMachine(image, o);
  let trace: TraceRecorder | undefined;
  try {
    const policy = early ?? parsePolicy(spec, { ...policyOptions, machine });
    if (o.trace && traceModules && traceSelection) {
      const [, , { openTrace }, { TraceRecorder }] = traceModules;
      const out = openTrace(o.trace, o.traceFormat);
      try {
        trace = new TraceRecorder(machine, out, traceSelection);
      } catch (e) {
        out.abort();
        throw e;
      }
    }
    if (trace) machine.events.subscribe(trace);
    const ran = runScheduled(machine, policy, o);
    if (machine.hazards.length) await initDisassembler();
    const result = ran.report();
    const schedule = ran.schedule;
    trace?.finish();
    if (o.saveSchedule) {
      const taken = schedule();
      taken.firmwareSha256 = sha;
      if (result.memory === 'relaxed') taken.memory = 'relaxed';
      writeFileAtomic(o.saveSchedule, taken.toFile({ firmware: path, outcome: result.outcome, steps: result.steps }));
    }
    // deterministic: the spec and options run it again exactly; a replay file is what the user kept
    const followed = spec.startsWith('replay:') ? spec.slice('replay:'.length) : undefined;
    const replayFile = o.saveSchedule ?? followed;
    return { ...result, command: commandFor(path, spec, o), ...(replayFile ? { replayFile } : {}) };
  } catch (e) {
    trace?.abort();
    throw e;
  } finally {
    machine.dispose();
  }
}

/** A replay file names the ELF it was recorded on: replaying it on another is refused unless forced. */
function checkRecordedFor(policy: ReplayPolicy, path: string, sha: string, force = false): void {
  const recorded = policy.schedule.firmwareSha256;
  if (recorded === undefined || recorded === sha || force) return;
  throw new InputError(`${policy.source}: recorded for another firmware (sha256 ${recorded.slice(0, 12)}…) than ${path} (sha256 ${sha.slice(0, 12)}…); use --force to replay it anyway`);
}
