/**
 * Shrinking a failing schedule: keep the same failure with as few switch
 * tokens (preemptions and early wakes) as possible. Every candidate is a
 * replay file run exactly as `penlab run --schedule replay:FILE` runs it.
 */
import { ReplayDivergence } from '../errors.js';
import type { RunResult } from '../report/result.js';
import { type Decision, Schedule } from '../scheduler/schedule.js';
import type { ExploreSession } from './session.js';

/** what makes two failures the same failure */
export function signature(r: RunResult): string {
  const h = r.hazards[0];
  if (h) return `${h.kind}@${h.address}:victim${h.victim.core}:writer${h.writer.core}`;
  if (r.outcome === 'fault') return `fault:${(r.message ?? '').replace(/ at 0x[0-9a-f]+.*$/, '')}`;
  return r.outcome;
}

export interface Shrunk {
  schedule: Schedule;
  result: RunResult;
  attempts: number;
}

export function shrink(session: ExploreSession, decisions: Decision[], target: string, maxAttempts = 400): Shrunk | undefined {
  let attempts = 0;
  let last: RunResult | undefined;
  const fails = (ds: Decision[]): boolean => {
    if (attempts >= maxAttempts) return false;
    attempts++;
    try {
      last = session.run({ kind: 'schedule', text: session.replayFile(new Schedule(ds)) }).result;
      return signature(last) === target;
    } catch (e) {
      if (e instanceof ReplayDivergence) return false; // the candidate does not fit the run
      throw e;
    }
  };
  {
    if (!fails(decisions)) return undefined;
    let best = { ds: decisions, result: last! };
    // shortest failing prefix (then the default policy finishes the run)
    let lo = 0;
    let hi = decisions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fails(decisions.slice(0, mid))) {
        hi = mid;
        best = { ds: decisions.slice(0, mid), result: last! };
      } else lo = mid + 1;
    }
    // one token may be all it takes (many random choices did not matter)
    if (best.ds.length > 1) {
      for (const d of best.ds) {
        if (fails([d])) { best = { ds: [d], result: last! }; break; }
      }
    }
    // drop single decisions (neighbours of the same core merge: a switch less)
    for (let changed = true; changed;) {
      changed = false;
      for (let i = best.ds.length - 1; i >= 0; i--) {
        if (i >= best.ds.length) continue;
        const cand = new Schedule([...best.ds.slice(0, i), ...best.ds.slice(i + 1)]).plainDecisions();
        if (fails(cand)) { best = { ds: cand, result: last! }; changed = true; }
      }
    }
    return { schedule: new Schedule(best.ds), result: best.result, attempts };
  }
}
