/**
 * Stateless model checking with dynamic partial-order reduction: source
 * sets and sleep sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014,
 * Algorithm 1; Flanagan & Godefroid, POPL 2005 for the backtracking scheme).
 *
 * Each run is replayed from reset along a forced prefix of choices, then
 * continues non-preemptively avoiding sleeping cores (policies/dpor.ts); it
 * comes back with every decision's options and the visible operation it
 * performed (scheduler/operations.ts, which also states the conflict
 * relation). The path of the last run is kept as nodes: per decision, the
 * options explored there (with their operations), the backtrack set and the
 * sleep set. After a run every race on its trace — two conflicting
 * operations of different cores, not ordered by happens-before through
 * anything between them — adds to the backtrack set at the earlier one's
 * node an initial of the reversed sequence, unless one is already there.
 * Early WFE wakes are added wherever they are offered. The search ends when
 * no node has an unexplored, awake backtrack option: then every class of
 * equivalent schedules (same order of every pair of conflicting operations)
 * has been run once, and the exploration is complete.
 */
import { isEnabling, isSleepOnly, type Operation, ownWord } from '../scheduler/operations.js';
import { DPOR_MAX_DECISIONS, type DporPoint } from '../scheduler/policies/dpor.js';
import type { Executor } from './pool.js';
import type { RunRecord } from './session.js';

export interface DporNode {
  options: string[];
  costly: string[];
  /** the option the current path takes here */
  chosen: string;
  /** the operation each explored option performed here */
  ops: Record<string, Operation>;
  /** options to explore here (explored ones included) */
  backtrack: string[];
  /** options taken from here, in order (cut by --preemptions ones too) */
  done: string[];
  /** options asleep on arrival: explored from an equivalent state */
  sleep: Record<string, Operation>;
  /** preemptions among the choices before this node */
  cost: number;
}

export interface DporState {
  started: boolean;
  path: DporNode[];
  /** every run, counted or not: the order failures are kept in */
  runs: number;
  /** runs stopped because every option was asleep (redundant, not counted) */
  blocked: number;
  /** branches not run because of --preemptions */
  cut: number;
  /** races not reversed: no initial of the reversal was an option there */
  disabled: number;
  /** runs whose forced prefix did not fit (the firmware is not deterministic under the schedule) */
  diverged: number;
  /** --memory relaxed: runs where a clean wrote a non-coherent core's lines back within its turn */
  cleaned?: number;
  /** runs the step budget (or --timeout) cut: what the cores would have done after the cut never raced */
  budget?: number;
  /** runs with more decisions than a run records (DPOR_MAX_DECISIONS) */
  overflowed?: number;
}

export interface DporOptions {
  /** --preemptions: at most this many preemptions (and early wakes) in a forced prefix */
  bound?: number;
  /** --runs: at most this many counted schedules */
  cap: number;
  cores: number;
  tally: (r: RunRecord, key: string, order: number[]) => void;
  schedules: () => number;
  save: () => void;
  onProgress?: (done: number, total: number | undefined, outcomes: Record<string, number>) => void;
  /** asked between runs: true ends the search (interrupted) */
  stop?: () => Promise<boolean>;
}

export interface DporOutcome {
  complete: boolean;
  /** why not complete */
  incomplete?: string;
}

export function freshDpor(): DporState {
  return { started: false, path: [], runs: 0, blocked: 0, cut: 0, disabled: 0, diverged: 0 };
}

export async function dpor(exec: Executor, d: DporState, o: DporOptions): Promise<DporOutcome> {
  const runOne = async (prefix: string[], carry: Record<string, Operation>, from: number) => {
    const [rec] = await exec.run([{ kind: 'dpor', prefix, carry }]);
    d.runs++;
    if (rec!.diverged) d.diverged++;
    if (rec!.blocked) d.blocked++;
    else o.tally(rec!, `d${d.runs}`, [d.runs]);
    if (rec!.dpor?.some((p) => p.op?.cleaned)) d.cleaned = (d.cleaned ?? 0) + 1;
    if (!rec!.blocked && rec!.result.outcome === 'timeout') d.budget = (d.budget ?? 0) + 1;
    if (rec!.overflowed) d.overflowed = (d.overflowed ?? 0) + 1;
    if (!rec!.diverged) absorb(d, rec!.dpor!, from, o.cores);
  };
  if (!d.started) {
    d.started = true;
    await runOne([], {}, 0);
    o.save();
  }
  let capped = false;
  let interrupted = false;
  for (let next = pending(d); next; next = pending(d)) {
    if (o.schedules() >= o.cap) { capped = true; break; }
    if (await o.stop?.()) { interrupted = true; break; }
    const [i, opt] = next;
    const node = d.path[i]!;
    node.done.push(opt);
    if (o.bound !== undefined && node.cost + (node.costly.includes(opt) ? 1 : 0) > o.bound) { d.cut++; continue; }
    d.path.length = i + 1;
    node.chosen = opt;
    // asleep below this branch: what this node already explored, and what was asleep on arrival
    const carry: Record<string, Operation> = { ...node.sleep };
    for (const x of node.done) if (x !== opt && node.ops[x] && !x.startsWith('w')) carry[x] = node.ops[x]!;
    await runOne(d.path.map((n) => n.chosen), carry, i);
    o.save();
    o.onProgress?.(o.schedules(), undefined, {});
  }
  const why: string[] = [];
  if (interrupted) why.push('interrupted');
  if (capped) why.push(`--runs ${o.cap} reached with schedules left to explore`);
  if (d.cut) why.push(`--preemptions ${o.bound} left out ${d.cut} branches`);
  // a clean's write-backs are one operation of the turn: their order against evictions is not a choice here
  if (d.cleaned) why.push(`in ${d.cleaned} runs a clean wrote a non-coherent core's lines back in program order; dpor does not reorder those write-backs (use exhaustive)`);
  // a cut run's operations after the cut never ran, so they raced with nothing: a core starved by
  // another's endless turn (np goes on with the last core) may hide an order no run took
  if (d.budget) why.push(`${d.budget} runs were cut by the step budget or --timeout; orders after a cut are not explored (raise --max-steps, or use exhaustive or pct)`);
  if (d.overflowed) why.push(`${d.overflowed} runs had more than ${DPOR_MAX_DECISIONS} decisions; the ones past that were not searched`);
  if (d.diverged) why.push(`${d.diverged} runs did not follow their forced prefix (the firmware is not deterministic under its schedule)`);
  return why.length ? { complete: false, incomplete: why.join('; ') } : { complete: true };
}

/** the deepest node with an option still to explore */
function pending(d: DporState): [number, string] | undefined {
  for (let i = d.path.length - 1; i >= 0; i--) {
    const n = d.path[i]!;
    const opt = n.backtrack.find((b) => !n.done.includes(b) && !(b in n.sleep));
    if (opt !== undefined) return [i, opt];
  }
  return undefined;
}

/** Takes a run's decisions into the path from node `from` on, then adds what its races ask for. */
function absorb(d: DporState, points: DporPoint[], from: number, cores: number): void {
  for (let k = from; k < points.length; k++) {
    const p = points[k]!;
    if (k < d.path.length) {
      d.path[k]!.ops[p.chosen] = p.op!;
      continue;
    }
    const prev = d.path[k - 1];
    d.path.push({
      options: p.options, costly: p.costly, chosen: p.chosen,
      ops: { [p.chosen]: p.op! },
      backtrack: [p.chosen, ...p.options.filter((x) => x.startsWith('w') && x !== p.chosen)],
      done: [p.chosen],
      sleep: p.sleep ?? {},
      cost: prev ? prev.cost + (prev.costly.includes(prev.chosen) ? 1 : 0) : 0,
    });
  }
  const ops = points.map((p) => p.op!);
  const chosen = points.map((p) => p.chosen);
  // an operation that ends the run: every other core that could go first goes first once. Its
  // races with earlier operations are not reversed: a run cut shorter can only lose failures
  for (let k = from; k < points.length; k++) {
    if (!ops[k]!.global) continue;
    const node = d.path[k]!;
    for (const x of node.options) if (!node.backtrack.includes(x)) node.backtrack.push(x);
  }
  const { found, hb } = races(ops, cores, from);
  for (const [k, j] of found) {
    const node = d.path[k]!;
    const initials = reversalInitials(hb, ops, chosen, k, j);
    if (initials.some((x) => node.backtrack.includes(x))) continue;
    const own = chosen[j]!;
    const add = initials.includes(own) && node.options.includes(own) ? own : initials.find((x) => node.options.includes(x));
    // no initial can go there: a core asleep, off, or spinning on the very word (its read there would repeat its last)
    if (add !== undefined) node.backtrack.push(add);
    else d.disabled++;
  }
}

/** happens-before over a trace: each operation's vector clock, and its position among its core's operations (from 1) */
interface HappensBefore {
  clocks: Int32Array[];
  index: number[];
}

/**
 * The races of a trace whose later operation is at `from` or after: [k, j]
 * with ops k and j of different cores in conflict and k not ordered before j
 * through any other immediate predecessor of j.
 */
function races(ops: Operation[], cores: number, from: number): { found: [number, number][]; hb: HappensBefore } {
  const found: [number, number][] = [];
  const n = Math.max(cores, ...ops.map((o) => o.core + 1));
  const count = new Int32Array(n);
  const lastOf = new Int32Array(n).fill(-1);
  const lastWrite = new Map<number, number>();
  const readsSince = new Map<number, Int32Array>(); // object -> per core, its last read since the last write
  const clocks = new Array<Int32Array>(ops.length);
  const index = new Array<number>(ops.length);
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j]!;
    const p = op.core;
    const conflicting = new Set<number>();
    // what enabled this operation (woke or powered on its core) comes before it, but is no race
    const enablers = new Set<number>();
    {
      // (relaxed: a drain and its own core's accesses to the word commute, ownWord)
      for (const obj of op.reads) {
        const w = lastWrite.get(obj);
        if (w !== undefined && ops[w]!.core !== p && !ownWord(ops[w]!, op, obj) && !isSleepOnly(obj)) (isEnabling(obj) ? enablers : conflicting).add(w);
      }
      for (const obj of op.writes) {
        if (isSleepOnly(obj)) continue;
        const w = lastWrite.get(obj);
        if (w !== undefined && ops[w]!.core !== p && !ownWord(ops[w]!, op, obj)) conflicting.add(w);
        const rs = readsSince.get(obj);
        if (rs) for (let q = 0; q < n; q++) if (q !== p && rs[q]! >= 0 && !ownWord(ops[rs[q]!]!, op, obj)) conflicting.add(rs[q]!);
      }
    }
    const preds = [...conflicting, ...enablers];
    if (lastOf[p]! >= 0) preds.push(lastOf[p]!);
    const vc = new Int32Array(n);
    for (const k of preds) {
      const c = clocks[k]!;
      for (let q = 0; q < n; q++) if (c[q]! > vc[q]!) vc[q] = c[q]!;
    }
    vc[p] = ++count[p]!;
    clocks[j] = vc;
    index[j] = vc[p]!;
    if (j >= from) {
      for (const k of conflicting) {
        // a repeated poll read what the core's previous read saw: placing a write before it is placing it before that one
        if (enablers.has(k) || ops[k]!.poll) continue;
        const a = ops[k]!.core;
        if (preds.every((m) => m === k || clocks[m]![a]! < index[k]!)) found.push([k, j]);
      }
    }
    lastOf[p] = j;
    for (const obj of op.writes) {
      lastWrite.set(obj, j);
      readsSince.delete(obj);
    }
    for (const obj of op.reads) {
      if (op.writes.includes(obj)) continue;
      let rs = readsSince.get(obj);
      if (!rs) readsSince.set(obj, (rs = new Int32Array(n).fill(-1)));
      rs[p] = j;
    }
  }
  return { found, hb: { clocks, index } };
}

/**
 * The options that can start the reversed race: v = the operations after k
 * that do not happen after it, then j. A core is an initial of v when its
 * first operation in v has no predecessor in v.
 */
function reversalInitials({ clocks, index }: HappensBefore, ops: Operation[], chosen: string[], k: number, j: number): string[] {
  const a = ops[k]!.core;
  const ik = index[k]!;
  const first = new Map<number, number>();
  for (let m = k + 1; m < j; m++) {
    const q = ops[m]!.core;
    if (q === a || first.has(q) || clocks[m]![a]! >= ik) continue;
    first.set(q, m);
  }
  if (!first.has(ops[j]!.core)) first.set(ops[j]!.core, j);
  const out: string[] = [];
  for (const [q, m] of first) {
    let initial = true;
    for (const [r, mr] of first) if (r !== q && clocks[m]![r]! >= index[mr]!) initial = false;
    if (initial) out.push(chosen[m]!);
  }
  return out;
}
