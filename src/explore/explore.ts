/**
 * Schedule exploration: run many interleavings of the same firmware, count
 * distinct outcomes, and for each distinct failure write a replay file (as
 * soon as it is found, so an interrupted exploration keeps it), shrink it to
 * the fewest context switches that still fail, and show what each core ran
 * last. Results depend only on the firmware and the options, never on --jobs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hex, wordBytes } from '../format.js';
import { InputError } from '../errors.js';
import type { MachineObserver } from '../machine/events.js';
import { disassemble, initDisassembler } from '../report/disasm.js';
import { ensureDir, writeFileAtomic } from '../report/files.js';
import { type HazardReport, type RunOptions, validateRunOptions } from '../run.js';
import { Schedule } from '../scheduler/schedule.js';
import { type Executor, LocalExecutor, WorkerPool } from './pool.js';
import { ExploreSession, type RunRecord, type RunSpec } from './session.js';
import { shrink, signature } from './shrink.js';

export type Strategy = 'random' | 'pct' | 'exhaustive';

export interface ExploreOptions extends RunOptions {
  strategy?: Strategy;
  /** random/pct: schedules to run; exhaustive: a cap (the report says whether the bounded space was covered) */
  runs?: number;
  seed?: number;
  /** PCT bug depth (d: d-1 priority change points) */
  depth?: number;
  /** exhaustive: preemption bound (early WFE wakes count as preemptions) */
  preemptions?: number;
  jobs?: number;
  /** directory for replay files and the resume state */
  out?: string;
  /** run only this share of the schedules: [index, count] */
  shard?: [number, number];
  resume?: boolean;
  shrink?: boolean;
  onProgress?: (done: number, total: number | undefined, outcomes: Record<string, number>) => void;
}

export interface FailureReport {
  outcome: string;
  /** replay file: `penlab run FIRMWARE --schedule replay:FILE` reproduces the failure */
  replay: string;
  hazard?: HazardReport;
  message?: string;
  /** context switches in the (shrunk) replay schedule */
  switches: number;
  /** the run that found it: index (random/pct) or choice prefix (exhaustive) */
  foundBy: string;
  schedule: string;
  /** the last instructions of each core in the replayed failure */
  lastInstructions: { core: number; lines: string[] }[];
}

export interface ExploreResult {
  firmware: string;
  strategy: Strategy;
  schedules: number;
  outcomes: Record<string, number>;
  failures: FailureReport[];
  /** exhaustive: the preemption-bounded space was covered (not cut by --runs) */
  complete?: boolean;
  seed: number;
  sharedWords: number;
  contendedPoints: number;
}

interface Found {
  key: string;
  order: number[];
  record: RunRecord;
}

interface State {
  version: 1;
  firmware: string;
  config: string;
  next: number;
  /** exhaustive: the root has run */
  started: boolean;
  frames: Frame[];
  schedules: number;
  outcomes: Record<string, number>;
  found: Record<string, Found>;
}

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

function validate(o: ExploreOptions): Required<Pick<ExploreOptions, 'strategy' | 'seed' | 'depth' | 'preemptions' | 'jobs' | 'out'>> & { runs: number } {
  validateRunOptions(o);
  const strategy = o.strategy ?? 'random';
  if (!['random', 'pct', 'exhaustive'].includes(strategy)) throw new InputError(`--strategy ${strategy}: expected random, pct or exhaustive`);
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
    runs: int(o.runs, '--runs', 1, strategy === 'exhaustive' ? 100_000 : 1000),
    seed: int(o.seed, '--seed', 0, 1),
    depth: int(o.depth, '--depth', 1, 2),
    preemptions: int(o.preemptions, '--preemptions', 0, 2),
    jobs,
    out: o.out ?? 'out',
  };
}

export async function explore(path: string, options: ExploreOptions = {}): Promise<ExploreResult> {
  const o = validate(options);
  try {
    ensureDir(o.out);
  } catch (e) {
    throw new InputError(`--out ${o.out}: cannot create (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  await initDisassembler();
  // what a worker needs to rebuild the same machine: plain data only
  const { onProgress: _p, observers: _o, strategy: _s, runs: _r, seed: _seed, depth: _d, preemptions: _pr, jobs: _j, out: _out, shard: _sh, resume: _re, shrink: _shr, ...runOpts } = options;
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
  const [shardIndex, shardCount] = options.shard ?? [0, 1];
  const firmwareHash = createHash('sha256').update(session.image.bytes).digest('hex');
  const config = JSON.stringify({ s: o.strategy, r: o.runs, seed: o.seed, d: o.depth, p: o.preemptions, shard: options.shard ?? null, q: options.quantum ?? 1, m: options.maxSteps ?? null, safe: options.safe ?? [], strict: !!options.strictCodeSync });
  const statePath = join(o.out, 'explore-state.json');
  let state: State = { version: 1, firmware: firmwareHash, config, next: 0, started: false, frames: [], schedules: 0, outcomes: {}, found: {} };
  if (options.resume && existsSync(statePath)) {
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as State;
    if (saved.firmware !== firmwareHash) throw new InputError(`${statePath}: saved for a different firmware image than ${path}`);
    if (saved.config !== config) throw new InputError(`${statePath}: saved with other exploration options; rerun without --resume or with the same options`);
    state = saved;
  }
  let savedAt = 0;
  const save = (force = false) => {
    if (!force && Date.now() - savedAt < 2000) return;
    savedAt = Date.now();
    writeFileAtomic(statePath, JSON.stringify(state));
  };

  const written = new Set<string>();
  const tally = (record: RunRecord, key: string, order: number[]) => {
    state.schedules++;
    const outcome = record.result.outcome;
    state.outcomes[outcome] = (state.outcomes[outcome] ?? 0) + 1;
    if (outcome === 'pass') return;
    const sig = signature(record.result);
    const prev = state.found[sig];
    if (prev && compareOrder(prev.order, order) <= 0) return;
    state.found[sig] = { key, order, record };
    // written as found: an interrupted exploration keeps it
    const file = join(o.out, `${outcome}-${key}.schedule`);
    written.add(file);
    writeFileAtomic(file, record.schedule);
  };

  try {
    if (o.strategy === 'exhaustive') {
      await exhaustive(exec, state, o.preemptions, o.runs, shardIndex, shardCount, tally, save, options.onProgress);
    } else {
      const total = o.runs;
      const batch = Math.max(8, o.jobs * 16);
      while (state.next < total) {
        const idx: number[] = [];
        for (let i = state.next; i < total && idx.length < batch; i++) if (i % shardCount === shardIndex) idx.push(i);
        state.next = Math.min(total, (idx[idx.length - 1] ?? total - 1) + 1);
        const specs: RunSpec[] = idx.map((i) => (o.strategy === 'pct'
          ? { kind: 'pct', depth: o.depth, seed: runSeed(o.seed, i) }
          : { kind: 'random', seed: runSeed(o.seed, i) }));
        const records = await exec.run(specs);
        records.forEach((r, j) => tally(r, String(idx[j]! + 1), [idx[j]!]));
        save();
        options.onProgress?.(state.next, total, state.outcomes);
      }
    }
    save(true);
  } finally {
    await exec.close();
  }

  // one replay file per distinct failure: the lowest-ordered run that found it, shrunk
  const failures: FailureReport[] = [];
  const found = Object.values(state.found).sort((a, b) => compareOrder(a.order, b.order));
  for (const f of found) {
    const outcome = f.record.result.outcome;
    const file = join(o.out, `${outcome}-${f.key}.schedule`);
    const decisions = Schedule.parse(f.record.schedule, file, session.machine.cores.length).decisions;
    const shrunk = options.shrink === false ? undefined : shrink(session, decisions, signature(f.record.result));
    const schedule = shrunk?.schedule ?? new Schedule(decisions);
    const result = shrunk?.result ?? f.record.result;
    writeFileAtomic(file, session.replayFile(schedule, {
      outcome, found: f.key,
      ...(result.hazards[0] ? { hazard: `${result.hazards[0].kind} at step ${result.hazards[0].step}, address ${result.hazards[0].address}` } : {}),
      ...(shrunk ? { shrunk: `from ${new Schedule(decisions).switches} to ${schedule.switches} switches in ${shrunk.attempts} runs` } : {}),
    }));
    failures.push({
      outcome, replay: file,
      ...(result.hazards[0] ? { hazard: result.hazards[0] } : {}),
      ...(result.message ? { message: result.message } : {}),
      switches: schedule.switches,
      foundBy: f.key,
      schedule: schedule.toString(),
      lastInstructions: lastInstructions(session, schedule),
    });
  }
  // raw files of runs that found an already-known failure, superseded by a lower-ordered run
  const keep = new Set(failures.map((f) => f.replay));
  for (const file of written) if (!keep.has(file)) rmSync(file, { force: true });
  const result: ExploreResult = {
    firmware: path,
    strategy: o.strategy,
    schedules: state.schedules,
    outcomes: state.outcomes,
    failures,
    ...(o.strategy === 'exhaustive' ? { complete: state.frames.length === 0 } : {}),
    seed: o.seed,
    sharedWords: session.info.sharedWords,
    contendedPoints: session.info.contendedPoints,
  };
  return result;
}

const EXHAUSTIVE_BATCH = 8;

/**
 * Iterative context bounding (CHESS): every schedule with at most `bound`
 * preemptions (early WFE wakes count as one), each run once. A frame is a run
 * whose decision points are still being branched from; a child diverges from
 * it at one point and follows the default (non-preemptive) policy after it,
 * so only a chain of at most bound+1 frames is ever held.
 */
async function exhaustive(
  exec: Executor, state: State, bound: number, cap: number, shard: number, shards: number,
  tally: (r: RunRecord, key: string, order: number[]) => void, save: () => void,
  onProgress: ExploreOptions['onProgress'],
): Promise<void> {
  const frames = state.frames;
  if (!state.started) {
    state.started = true;
    const [root] = await exec.run([{ kind: 'choices', prefix: [] }]);
    if (shard === 0) tally(root!, 'x0', [0]);
    if (root!.points) frames.push(frameOf([], root!, 0));
  }
  while (frames.length && state.schedules < cap) {
    // the next children of the top frame, as many as the workers can take
    const top = frames[frames.length - 1]!;
    const batch: string[][] = [];
    // a fixed batch size, not one per job: the same schedules run, in the same order, whatever --jobs
    while (batch.length < Math.min(EXHAUSTIVE_BATCH, cap - state.schedules) && top.i < top.options.length) {
      const opts = top.options[top.i]!;
      if (top.j >= opts.length) { top.i++; top.j = 0; continue; }
      const opt = opts[top.j++]!;
      if (opt === top.chosen[top.i]) continue;
      if (top.cost + (top.costly[top.i]!.includes(opt) ? 1 : 0) > bound) continue;
      const ordinal = top.emitted++;
      if (top.root && ordinal % shards !== shard) continue; // the root's children are split between shards
      batch.push([...top.chosen.slice(0, top.i), opt]);
    }
    if (top.i >= top.options.length && batch.length === 0) { frames.pop(); continue; }
    const records = await exec.run(batch.map((prefix) => ({ kind: 'choices', prefix })));
    for (const [k, rec] of records.entries()) {
      const prefix = batch[k]!;
      const key = createHash('sha1').update(prefix.join(',')).digest('hex').slice(0, 10);
      tally(rec, `x${key}`, [prefix.length, ...prefix.map((c) => (c.startsWith('w') ? 100 + Number(c.slice(1)) : Number(c)))]);
      if (!rec.diverged && rec.points) {
        const cost = prefix.reduce((n, c, i) => n + (rec.points![i]?.costly.includes(c) ? 1 : 0), 0);
        if (cost <= bound) frames.push(frameOf(prefix, rec, cost));
      }
    }
    save();
    onProgress?.(state.schedules, undefined, state.outcomes);
  }
}

export interface Frame {
  root: boolean;
  chosen: string[];
  options: string[][];
  costly: string[][];
  /** preemptions in the prefix this run was forced along */
  cost: number;
  i: number;
  j: number;
  emitted: number;
}

function frameOf(prefix: string[], rec: RunRecord, cost: number): Frame {
  const points = rec.points!;
  return {
    root: prefix.length === 0,
    chosen: points.map((p) => p.chosen),
    options: points.map((p) => p.options),
    costly: points.map((p) => p.costly),
    cost,
    i: prefix.length,
    j: 0,
    emitted: 0,
  };
}

/** Replays a schedule and keeps each core's last instructions, disassembled. */
function lastInstructions(session: ExploreSession, schedule: Schedule, n = 6): { core: number; lines: string[] }[] {
  const m = session.machine;
  const ring: { pc: number; size: number; step: number; word: number }[][] = m.cores.map(() => []);
  const obs: MachineObserver = {
    fetch: (core, step, pc, size, word) => {
      const r = ring[core]!;
      r.push({ pc, size, step, word });
      if (r.length > n) r.shift();
    },
  };
  const unsubscribe = m.events.subscribe(obs);
  try {
    session.run({ kind: 'schedule', text: session.replayFile(schedule) });
  } catch {
    return [];
  } finally {
    unsubscribe();
  }
  return ring.map((r, core) => ({
    core,
    lines: r.map((x) => {
      const bytes = wordBytes(x.word, x.size);
      return `${x.step} ${hex(x.pc)} ${disassemble(bytes, x.pc, m.firmware.isThumbAt(x.pc) ?? x.size === 2).padEnd(28)} ; ${m.symbolize(x.pc)}`;
    }),
  }));
}
