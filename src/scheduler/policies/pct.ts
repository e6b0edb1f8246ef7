/**
 * `pct:DEPTH:SEED[:K]`: PCT (Burckhardt et al., ASPLOS 2010), switching only
 * at points another core can observe.
 *
 * Invariants:
 * - initial priorities are distinct and all at least DEPTH; the i-th change
 *   point drops the running core to priority i, below every initial one;
 * - the DEPTH-1 change points are *distinct* contended decisions drawn from
 *   1..K without replacement (K: the contended decisions expected in a run),
 *   so a run has exactly min(DEPTH-1, K) priority changes;
 * - the highest-priority core worth running runs, to its next visible step;
 * - in exploration (an early-wake oracle given), a decision where an early
 *   WFE wake is offered is a possible change point too: there the wake is
 *   taken and the running core drops, so the woken core can run next;
 * - under --memory relaxed, a decision where a buffered store could overtake
 *   an older one of its core (a drainable store that is not its core's
 *   oldest) is a possible change point too: there the newest such store of
 *   the highest-priority core that has one becomes visible (and the running
 *   core drops), the reordering a missing DMB allows. Without a change
 *   point stores drain in the scheduler's default order (program order, as
 *   late as possible), which already shows the reorderings of late
 *   visibility (SB, a SEV ahead of its store).
 * With these, a bug of depth DEPTH is found with probability at least
 * 1/(n * K^(DEPTH-1)) per run.
 *
 * In exploration it walks the trie of schedules already run (trie.ts) with
 * its state at each branching decision (priorities, change points to come):
 * a run that arrives where an earlier one arrived in the same state, or
 * where every schedule has run, can only repeat one and stops (RepeatRun).
 * That never changes a decision, so the spec needs no trace of it.
 */
import type { EarlyWakeOracle } from '../early-wake.js';
import { candidates, isContended, type Policy, Rng, type SchedulerView, TURN } from '../policy.js';
import type { Decision } from '../schedule.js';
import { RepeatRun, type TrieWalk } from '../trie.js';

/** K when nothing better is known */
export const DEFAULT_PCT_POINTS = 200;

export class PctPolicy implements Policy {
  readonly untilVisible = true;
  private readonly priority: number[];
  private readonly changes: number[];
  /** contended decisions (and offered early wakes) so far */
  contended = 0;
  /** the initial priority order, highest first, and the change points: what makes two PCT runs the same */
  readonly drawn: string;
  constructor(
    readonly depth: number, readonly seed: number, cores: number, readonly points = DEFAULT_PCT_POINTS,
    private readonly oracle?: EarlyWakeOracle,
    private readonly walk?: TrieWalk,
  ) {
    const rng = new Rng(seed);
    const order = Array.from({ length: cores }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    this.priority = new Array<number>(cores);
    order.forEach((core, rank) => { this.priority[core] = depth + rank; });
    const k = Math.max(1, points);
    this.changes = [];
    while (this.changes.length < Math.min(depth - 1, k)) {
      const at = 1 + rng.int(k);
      if (!this.changes.includes(at)) this.changes.push(at);
    }
    this.drawn = `${[...order].reverse().join('')}@${[...this.changes].sort((a, b) => a - b).join(',')}`;
  }
  get spec(): string {
    return `pct:${this.depth}:${this.seed}${this.points === DEFAULT_PCT_POINTS ? '' : `:${this.points}`}`;
  }
  next(v: SchedulerView): Decision {
    const c = candidates(v);
    const wakes = this.oracle?.offers(v) ?? [];
    const overtake = v.drains.length ? this.overtaking(v) : undefined;
    if (isContended(v) || wakes.length || overtake) {
      const state = this.walk ? this.state() : '';
      if (this.walk?.repeats(state)) throw new RepeatRun();
      this.contended++;
      const at = this.changes.indexOf(this.contended);
      if (at >= 0 && v.last !== undefined) this.priority[v.last] = at; // below every initial priority
      const d: Decision = at >= 0 && overtake ? overtake : at >= 0 && wakes.length ? { wake: wakes[0]! } : { core: this.highest(c), steps: TURN };
      if (this.walk) {
        const options = [...c.map(String), ...wakes.map((w) => `w${w}`), ...(overtake && 'drain' in overtake ? [`d${overtake.drain}.${overtake.store}`] : [])];
        this.walk.take('wake' in d ? `w${d.wake}` : 'drain' in d ? `d${d.drain}.${d.store}` : 'core' in d ? String(d.core) : '', options, state);
      }
      return d;
    }
    return { core: this.highest(c), steps: TURN };
  }

  /** what decides the rest of the run besides the machine: the cores ranked by priority (only the order counts), the change points to come */
  private state(): string {
    const ranked = this.priority.map((_, id) => id).sort((a, b) => this.priority[b]! - this.priority[a]!);
    return `${ranked.join('.')}~${this.changes.filter((k) => k > this.contended).sort((a, b) => a - b).join('.')}`;
  }

  private highest(c: number[]): number {
    return c.reduce((best, id) => (this.priority[id]! > this.priority[best]! ? id : best), c[0]!);
  }

  /** the newest drain that overtakes an older store of its core, of the highest-priority core with one */
  private overtaking(v: SchedulerView): Decision | undefined {
    let best: { core: number; store: number } | undefined;
    const oldest = new Map<number, number>();
    for (const d of v.drains) if (!oldest.has(d.core)) oldest.set(d.core, d.store); // listed oldest first; the oldest is always drainable
    for (const d of v.drains) {
      if (d.store === oldest.get(d.core)) continue; // its core's oldest store: the default order, no reordering
      if (!best || this.priority[d.core]! > this.priority[best.core]! || (d.core === best.core && d.store > best.store)) best = d;
    }
    return best && { drain: best.core, store: best.store };
  }
}
