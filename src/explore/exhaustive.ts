/**
 * Exhaustive search by iterative context bounding (CHESS): every schedule
 * with at most `bound` preemptions (early WFE wakes count as one), each run
 * once. A frame is a run whose decision points are still being branched
 * from; a child diverges from it at one point and follows the default
 * (non-preemptive) policy after it, so only a chain of at most bound+1
 * frames is ever held, and the frames are the resume state.
 */
import { createHash } from 'node:crypto';
import type { Executor } from './pool.js';
import type { RunRecord } from './session.js';
import type { ExploreState } from './state.js';

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

/** runs per round: fixed, not one per job, so the same schedules run in the same order whatever --jobs */
const BATCH = 8;

export interface ExhaustiveOptions {
  bound: number;
  /** at most this many schedules in all */
  cap: number;
  shard: number;
  shards: number;
  tally: (r: RunRecord, key: string, order: number[]) => void;
  save: () => void;
  onProgress?: (done: number, total: number | undefined, outcomes: Record<string, number>) => void;
  /** asked before each round: true ends the search there, the state consistent for --resume */
  stop?: () => Promise<boolean>;
}

/** Searches until the bounded space is covered (state.frames empty) or the cap is reached. */
export async function exhaustive(exec: Executor, state: ExploreState, o: ExhaustiveOptions): Promise<void> {
  const frames = state.frames;
  if (!state.started) {
    state.started = true;
    const [root] = await exec.run([{ kind: 'choices', prefix: [] }]);
    if (o.shard === 0) o.tally(root!, 'x0', [0]);
    if (root!.points) frames.push(frameOf([], root!, 0));
  }
  while (frames.length && state.schedules < o.cap && !(await o.stop?.())) {
    // the next children of the top frame, as many as one round takes
    const top = frames[frames.length - 1]!;
    const batch: string[][] = [];
    while (batch.length < Math.min(BATCH, o.cap - state.schedules) && top.i < top.options.length) {
      const opts = top.options[top.i]!;
      if (top.j >= opts.length) { top.i++; top.j = 0; continue; }
      const opt = opts[top.j++]!;
      if (opt === top.chosen[top.i]) continue;
      if (top.cost + (top.costly[top.i]!.includes(opt) ? 1 : 0) > o.bound) continue;
      const ordinal = top.emitted++;
      if (top.root && ordinal % o.shards !== o.shard) continue; // the root's children are split between shards
      batch.push([...top.chosen.slice(0, top.i), opt]);
    }
    if (top.i >= top.options.length && batch.length === 0) { frames.pop(); continue; }
    const records = await exec.run(batch.map((prefix) => ({ kind: 'choices', prefix })));
    for (const [k, rec] of records.entries()) {
      const prefix = batch[k]!;
      const key = createHash('sha1').update(prefix.join(',')).digest('hex').slice(0, 10);
      o.tally(rec, `x${key}`, [prefix.length, ...prefix.map(choiceOrder)]);
      if (!rec.diverged && rec.points) {
        const cost = prefix.reduce((n, c, i) => n + (rec.points![i]?.costly.includes(c) ? 1 : 0), 0);
        if (cost <= o.bound) frames.push(frameOf(prefix, rec, cost));
      }
    }
    o.save();
    o.onProgress?.(state.schedules, undefined, state.outcomes);
  }
}

/** a choice as a number for ordering runs: cores, then early wakes, then drains */
function choiceOrder(c: string): number {
  if (c.startsWith('w')) return 100 + Number(c.slice(1));
  if (c.startsWith('d')) {
    const [core, store] = c.slice(1).split('.').map(Number);
    return 1000 + store! * 8 + core!;
  }
  return Number(c);
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
