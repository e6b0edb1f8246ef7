/**
 * Schedule exploration: run many interleavings of the same firmware, count
 * distinct outcomes, and for each distinct failure write a replay file (as
 * soon as it is found, so an interrupted exploration keeps it), shrink it to
 * the fewest context switches that still fail, and show what each core ran
 * last. Results depend only on the firmware and the options, never on --jobs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { initDisassembler } from '../disasm.js';
import { DEFAULT_CONSOLE_LIMIT } from '../machine/console.js';
import { prepareOutputDir, writeFileAtomic } from '../report/files.js';
import { RecentInstructions } from '../report/recent.js';
import type { ExploreResult, FailureReport, Strategy } from '../report/result.js';
import { commandFor, DEFAULT_MAX_STEPS, firmwareSha256, type RunOptions, validateRunOptions } from '../run.js';
import { Schedule } from '../scheduler/schedule.js';
import { dpor, type DporOutcome, freshDpor } from './dpor.js';
import { exhaustive } from './exhaustive.js';
import { sample } from './sampling.js';
import { type Executor, LocalExecutor, WorkerPool } from './pool.js';
import { DecisionHashes, drawHash } from './seen.js';
import { ExploreSession, type RunRecord } from './session.js';
import { shrink, signature } from './shrink.js';
import { configOf, type ExploreState, freshState, loadState, stateFile, stateSaver } from './state.js';

export { stateFile };

export type { ExploreResult, FailureReport, Strategy } from '../report/result.js';

export interface ExploreOptions {
  strategy?: Strategy;
  /** random/pct: schedules to run; exhaustive: a cap (the report says whether the bounded space was covered) */
  runs?: number;
  seed?: number;
  /** PCT bug depth (d: d-1 priority change points) */
  depth?: number;
  /** exhaustive: preemption bound (early WFE wakes count as preemptions) */
  preemptions?: number;
  jobs?: number;
  /** directory for replay files and the resume state (default: a new temporary directory; the CLI's is `out`) */
  out?: string;
  /** run only this share of the schedules: [index, count] */
  shard?: [number, number];
  resume?: boolean;
  shrink?: boolean;
  onProgress?: (done: number, total: number | undefined, outcomes: Record<string, number>) => void;
  /** aborting stops the exploration between batches: the state is saved, failures so far are reported unshrunk, `interrupted` is set */
  signal?: AbortSignal;
  /** how every run is set up: board, step budget, checks (observers, traces and saved schedules are per run: use `penlab run` on a replay file) */
  run?: RunOptions;
}

/** options that change neither which schedules run nor what is found */
const RESULT_NEUTRAL = new Set(['jobs', 'out', 'resume', 'onProgress', 'signal', 'observers', 'trace', 'saveSchedule', 'force', 'engineBlockBudget', 'rotations', 'checkpointSteps']);

/** splitmix32: a well-spread seed for run i */
export function runSeed(seed: number, i: number): number {
  let z = (seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function compareOrder(a: number[], b: number[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function validate(o: ExploreOptions): Required<Pick<ExploreOptions, 'strategy' | 'seed' | 'depth' | 'preemptions' | 'jobs' | 'out'>> & { runs: number; bound: number | undefined } {
  validateRunOptions(o.run ?? {});
  const strategy = o.strategy ?? 'random';
  if (!['random', 'pct', 'exhaustive', 'dpor'].includes(strategy)) throw new InputError(`--strategy ${strategy}: expected random, pct, exhaustive or dpor`);
  const int = (v: number | undefined, name: string, min: number, dflt: number) => {
    const n = v ?? dflt;
    if (!Number.isSafeInteger(n) || n < min) throw new InputError(`${name} ${n}: must be an integer >= ${min}`);
    return n;
  };
  const jobs = int(o.jobs, '--jobs', 1, 1);
  if (jobs > 64) throw new InputError(`--jobs ${jobs}: at most 64`);
  if (o.shard && !(o.shard[1] >= 1 && o.shard[0] >= 0 && o.shard[0] < o.shard[1])) {
    throw new InputError(`--shard ${o.shard[0]}/${o.shard[1]}: expected I/N with 0 <= I < N`);
  }
  return {
    strategy,
    runs: int(o.runs, '--runs', 1, strategy === 'exhaustive' || strategy === 'dpor' ? 100_000 : 1000),
    seed: int(o.seed, '--seed', 0, 1),
    depth: int(o.depth, '--depth', 1, 2),
    preemptions: int(o.preemptions, '--preemptions', 0, 2),
    /** dpor: no bound unless asked for */
    bound: o.preemptions === undefined ? undefined : int(o.preemptions, '--preemptions', 0, 0),
    jobs,
    out: o.out ?? '',
  };
}

export async function explore(path: string, options: ExploreOptions = {}): Promise<ExploreResult> {
  const o = validate(options);
  if (options.out === '') throw new InputError("--out '': expected a directory");
  if (options.out === undefined) {
    // a library caller's working directory is not ours to write into
    if (options.resume) throw new InputError('--resume needs --out: the directory of the exploration to continue');
    o.out = mkdtempSync(join(tmpdir(), 'penlab-explore-'));
  }
  prepareOutputDir('--out', o.out);
  await initDisassembler();
  // what a worker needs to rebuild the same machine: plain data only
  const { observers: _o, trace: _t, saveSchedule: _s, ...runOpts } = options.run ?? {};
  // the main session: probes, shrinks and (with one job) runs everything
  const session = new ExploreSession(path, runOpts);
  try {
    return await exploreWith(session, path, options, o, runOpts);
  } finally {
    session.dispose();
  }
}

async function exploreWith(
  session: ExploreSession, path: string, options: ExploreOptions, o: ReturnType<typeof validate>, runOpts: RunOptions,
): Promise<ExploreResult> {
  // workers take the words the main session's probe learned instead of probing again
  const exec: Executor = o.jobs > 1
    ? await WorkerPool.start(path, runOpts, o.jobs, { shared: session.shared, info: session.info })
    : new LocalExecutor(session);
  // the main session waits for the shrinking while workers explore: its engines' translations go meanwhile
  if (o.jobs > 1) session.machine.reopenEngines();
  const [shardIndex, shardCount] = options.shard ?? [0, 1];
  const firmwareHash = firmwareSha256(session.image);
  const defined = <T extends object>(v: T) => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
  const config = configOf({
    ...defined(options), ...o, shrink: options.shrink !== false,
    run: {
      quantum: 1, maxSteps: DEFAULT_MAX_STEPS, cores: 2, ...defined(runOpts),
      // the default limit as if not given: the CLI always gives it, the library rarely, states saved before it existed never
      ...(runOpts.consoleLimit === DEFAULT_CONSOLE_LIMIT ? { consoleLimit: undefined } : {}),
    },
  }, RESULT_NEUTRAL);
  const statePath = stateFile(o.out);
  const state: ExploreState = (options.resume ? loadState(statePath, firmwareHash, config, path) : undefined) ?? freshState(firmwareHash, config);
  // kept in typed arrays, and in the state only as it is written
  const seen = DecisionHashes.from(state.seen);
  delete state.seen;
  // pct: the priority orders and change points already drawn, by hash (the same set, one record per run)
  const drawn = DecisionHashes.from(typeof state.drawn === 'string' ? state.drawn : state.drawn?.map(drawHash));
  delete state.drawn;
  const save = stateSaver(statePath, state, () => ({ seen: seen.toHex(), ...(drawn.size ? { drawn: drawn.toHex() } : {}) }));

  const written = new Set<string>();
  /** counts a run, unless its schedule already ran in this exploration */
  const tally = (record: RunRecord, key: string, order: number[]): boolean => {
    if (!seen.add(record.decisions)) {
      state.duplicates = (state.duplicates ?? 0) + 1;
      return false;
    }
    state.schedules++;
    const outcome = record.result.outcome;
    state.outcomes[outcome] = (state.outcomes[outcome] ?? 0) + 1;
    if (outcome === 'pass') return true;
    const sig = signature(record.result);
    const prev = state.found[sig];
    if (prev && compareOrder(prev.order, order) <= 0) return true;
    state.found[sig] = { key, order, record };
    // written as found: an interrupted exploration keeps it
    const file = join(o.out, `${outcome}-${key}.schedule`);
    written.add(file);
    writeFileAtomic(file, record.schedule);
    return true;
  };

  // between batches the event loop gets a turn, so a signal handler (Ctrl-C) can abort
  const stop = () => options.signal?.aborted === true;
  const yieldThenStop = async () => { await new Promise((r) => setImmediate(r)); return stop(); };
  let searched: DporOutcome | undefined;
  let stopped: string | undefined;
  try {
    if (o.strategy === 'dpor') {
      if (shardCount > 1) throw new InputError('--shard: dpor explores one search tree and cannot be split');
      searched = await dpor(exec, (state.dpor ??= freshDpor()), {
        bound: o.bound, cap: o.runs, cores: session.machine.cores.length, tally, save,
        schedules: () => state.schedules, onProgress: options.onProgress,
        stop: yieldThenStop,
      });
    } else if (o.strategy === 'exhaustive') {
      await exhaustive(exec, state, {
        bound: o.preemptions, cap: o.runs, shard: shardIndex, shards: shardCount, tally, save, onProgress: options.onProgress,
        stop: yieldThenStop,
      });
    } else {
      stopped = await sample(exec, state, {
        strategy: o.strategy, runs: o.runs, seed: o.seed, depth: o.depth, cores: session.machine.cores.length,
        k: session.info.contendedPoints, shard: shardIndex, shards: shardCount, runSeed, tally, save, onProgress: options.onProgress,
        stop: yieldThenStop, drawn,
      });
    }
    save(true);
  } finally {
    await exec.close();
  }

  // one replay file per distinct failure: the lowest-ordered run that found it, shrunk
  // (unless interrupted: then as found, and quickly)
  const interrupted = stop();
  const failures: FailureReport[] = [];
  const found = Object.values(state.found).sort((a, b) => compareOrder(a.order, b.order));
  for (const f of found) {
    const outcome = f.record.result.outcome;
    const file = join(o.out, `${outcome}-${f.key}.schedule`);
    const decisions = Schedule.parse(f.record.schedule, file, session.machine.cores.length).plainDecisions();
    const shrunk = options.shrink === false || interrupted ? undefined : shrink(session, decisions, signature(f.record.result));
    const schedule = shrunk?.schedule ?? new Schedule(decisions);
    const result = shrunk?.result ?? f.record.result;
    writeFileAtomic(file, session.replayFile(schedule, {
      outcome, found: f.key,
      ...(result.hazards[0] ? { hazard: `${result.hazards[0].kind} at step ${result.hazards[0].step}, address ${result.hazards[0].address}` } : {}),
      ...(shrunk ? { shrunk: `from ${new Schedule(decisions).switches} to ${schedule.switches} switches in ${shrunk.attempts} runs` } : {}),
    }));
    failures.push({
      outcome, replay: file, command: commandFor(path, `replay:${file}`, runOpts),
      ...(result.hazards[0] ? { hazard: result.hazards[0] } : {}),
      ...(result.message ? { message: result.message } : {}),
      switches: schedule.switches,
      foundBy: f.key,
      schedule: schedule.toString(),
      lastInstructions: interrupted ? [] : lastInstructions(session, schedule),
      ...(result.reorderings ? { reorderings: result.reorderings } : {}),
    });
  }
  // raw files of runs that found an already-known failure, superseded by a lower-ordered run
  const keep = new Set(failures.map((f) => f.replay));
  for (const file of written) if (!keep.has(file)) rmSync(file, { force: true });
  const result: ExploreResult = {
    firmware: path,
    memory: options.run?.memory ?? 'sc',
    strategy: o.strategy,
    schedules: state.schedules,
    distinct: seen.size,
    duplicates: state.duplicates ?? 0,
    ...(stopped ? { stopped } : {}),
    outcomes: state.outcomes,
    failures,
    ...(o.strategy === 'exhaustive' ? { complete: state.frames.length === 0 } : {}),
    ...(searched ? { complete: searched.complete, ...(searched.incomplete ? { incomplete: searched.incomplete } : {}) } : {}),
    seed: o.seed,
    sharedWords: session.info.sharedWords,
    contendedPoints: session.info.contendedPoints,
    ...(interrupted ? { interrupted: true } : {}),
  };
  return result;
}

/** Replays a schedule and keeps each core's last instructions, disassembled. */
function lastInstructions(session: ExploreSession, schedule: Schedule): FailureReport['lastInstructions'] {
  const m = session.machine;
  const recent = new RecentInstructions(m.cores.length, m.firmware);
  const unsubscribe = m.events.subscribe(recent);
  try {
    session.run({ kind: 'schedule', text: session.replayFile(schedule) });
  } catch {
    return [];
  } finally {
    unsubscribe();
  }
  return recent.lines();
}
