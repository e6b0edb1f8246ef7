/**
 * Random and PCT exploration: attempt i runs from a seed derived from
 * (seed, i), and only a schedule not run before in this exploration counts
 * (the driver's tally compares decision-sequence hashes). PCT draws each
 * priority order and change-point set once, and takes K from the runs
 * themselves: the most contended decisions (and offered early wakes) any run
 * so far has had, starting from the probe's. Attempts go in batches of a
 * fixed size, so the same attempts run in the same order whatever --jobs.
 *
 * Repeats are mostly not run at all: after each batch every session learns
 * the batch's schedules into its trie (scheduler/trie.ts); random then never
 * takes a choice below which every schedule has run, and a PCT run stops as
 * soon as it can only repeat one (counted in `duplicates`, like a repeat the
 * tally catches). A repeat inside one batch is still possible, and caught by
 * the tally: the trie holds only earlier batches, so a run's choices do not
 * depend on which worker ran it or on --jobs.
 *
 * A strategy that cannot produce a new schedule stops and says why: either
 * once the trie says every schedule has run, PCT when every order and
 * change-point set for K has been drawn, either when as many attempts in a
 * row as --runs (at least 64) brought nothing new.
 */
import { type DecisionHashes, drawHash } from './seen.js';
import { PctPolicy } from '../scheduler/policies/pct.js';
import { decodePath, encodePath, type LearnedPath, ScheduleTrie } from '../scheduler/trie.js';
import type { Executor } from './pool.js';
import type { RunRecord, RunSpec } from './session.js';
import type { ExploreState } from './state.js';

const BATCH = 32;

export interface SamplingOptions {
  strategy: 'random' | 'pct';
  runs: number;
  seed: number;
  depth: number;
  cores: number;
  /** the probe's count of contended decisions: PCT's first K */
  k: number;
  shard: number;
  shards: number;
  runSeed: (seed: number, i: number) => number;
  /** counts the run unless its schedule already ran; says whether it counted */
  tally: (r: RunRecord, key: string, order: number[]) => boolean;
  save: () => void;
  onProgress?: (done: number, total: number | undefined, outcomes: Record<string, number>) => void;
  /** asked between batches: true ends the exploration (interrupted) */
  stop?: () => Promise<boolean>;
  /** pct: the draws already run, by drawHash (kept, and saved, by the caller) */
  drawn: DecisionHashes;
}

/** Runs until this shard's share of --runs distinct schedules; returns why it stopped short, if it did. */
export async function sample(exec: Executor, state: ExploreState, o: SamplingOptions): Promise<string | undefined> {
  const target = o.runs > o.shard ? Math.floor((o.runs - 1 - o.shard) / o.shards) + 1 : 0;
  const patience = Math.max(64, o.runs);
  const drawn = o.drawn;
  state.idle ??= 0;
  state.branches ??= [];
  // what earlier batches ran (a resumed exploration's too): every session knows it before the next batch
  const trie = new ScheduleTrie();
  const known = state.branches.map(decodePath);
  for (const k of known) trie.add(k.path, k.cut);
  exec.learn(known);
  while (state.schedules < target) {
    if (await o.stop?.()) return undefined;
    if (trie.exhausted) return `${o.strategy}: every schedule has run (${state.schedules} distinct)`;
    const k = state.k ?? o.k;
    if (state.idle >= patience) return `${o.strategy}: ${state.idle} attempts in a row brought no schedule not already run`;
    if (o.strategy === 'pct' && drawn.size >= pctSpace(o.cores, o.depth, k)) {
      return `pct: all ${drawn.size} priority orders and change-point sets for K=${k} have run`;
    }
    const idx: number[] = [];
    const specs: RunSpec[] = [];
    let i = state.next;
    for (; idx.length < Math.min(BATCH, target - state.schedules) && state.idle + idx.length < patience; i++) {
      if (i % o.shards !== o.shard) continue;
      const seed = o.runSeed(o.seed, i);
      if (o.strategy === 'pct') {
        if (!drawn.add(drawHash(new PctPolicy(o.depth, seed, o.cores, k).drawn))) { state.idle++; continue; }
        specs.push({ kind: 'pct', depth: o.depth, seed, k });
      } else specs.push({ kind: 'random', seed });
      idx.push(i);
    }
    state.next = i;
    const records = await exec.run(specs);
    const learned: LearnedPath[] = [];
    for (const [j, r] of records.entries()) {
      if (r.repeat) {
        // stopped as soon as it could only repeat a schedule already run
        state.duplicates = (state.duplicates ?? 0) + 1;
        state.idle++;
        continue;
      }
      state.idle = o.tally(r, String(idx[j]! + 1), [idx[j]!]) ? 0 : state.idle! + 1;
      if (r.contended !== undefined && r.contended > (state.k ?? o.k)) state.k = r.contended;
      if (r.branches) {
        const { taken, whole, changed } = trie.add(r.branches);
        // the sessions' tries follow this one: a run that changed nothing here changes nothing there
        if (!changed) continue;
        learned.push({ path: r.branches });
        state.branches.push(encodePath(r.branches.slice(0, taken), !whole));
      }
    }
    exec.learn(learned);
    o.save();
    o.onProgress?.(state.schedules, target, state.outcomes);
  }
  return undefined;
}

/** how many distinct PCT runs exist: priority orders times change-point sets */
function pctSpace(cores: number, depth: number, k: number): number {
  let n = 1;
  for (let c = 2; c <= cores; c++) n *= c;
  const d = Math.min(depth - 1, k);
  for (let i = 0; i < d; i++) n = (n * (k - i)) / (i + 1);
  return Math.round(n);
}
