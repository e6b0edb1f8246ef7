/**
 * `random-visible:SEED[:I=C,...]`: exploration's random walk. A random core
 * worth running goes to its next visible operation; an offered early WFE
 * wake is taken with probability 1/4, and so is a drain (--memory relaxed:
 * any drainable store).
 *
 * In exploration it walks the trie of schedules already run (trie.ts): when
 * the draw at a branching decision would lead where every schedule has run,
 * it takes another option that leads somewhere new (drawn from a second
 * generator, so the first one's draws stay as they were). Those choices are
 * the `I=C` part of the spec (decision I took option C), so the spec alone
 * decides the same way again.
 */
import { InputError } from '../../errors.js';
import type { EarlyWakeOracle } from '../early-wake.js';
import { candidates, type Policy, Rng, type SchedulerView, TURN } from '../policy.js';
import type { Decision } from '../schedule.js';
import type { TrieWalk } from '../trie.js';

/** an option as exploration names it: `C` a core, `wC` an early wake, `dC.S` a drain */
export function optionOf(d: Decision): string {
  if ('wake' in d) return `w${d.wake}`;
  if ('drain' in d) return `d${d.drain}.${d.store}`;
  return 'core' in d ? String(d.core) : '';
}

export function decisionOf(option: string): Decision {
  if (option.startsWith('w')) return { wake: Number(option.slice(1)) };
  if (option.startsWith('d')) {
    const [core, store] = option.slice(1).split('.').map(Number);
    return { drain: core!, store: store! };
  }
  return { core: Number(option), steps: TURN };
}

export class RandomVisible implements Policy {
  readonly untilVisible = true;
  private readonly rng: Rng;
  private readonly redirect: Rng;
  /** decision index -> the option taken instead of the draw */
  private readonly overrides: Map<number, string>;

  constructor(readonly seed: number, private readonly oracle: EarlyWakeOracle, overrides?: Map<number, string>, private readonly walk?: TrieWalk) {
    this.rng = new Rng(seed);
    this.redirect = new Rng(seed ^ 0x5bd1e995);
    this.overrides = new Map(overrides);
  }

  get spec(): string {
    const o = [...this.overrides].map(([i, c]) => `${i}=${c}`).join(',');
    return `random-visible:${this.seed}${o ? `:${o}` : ''}`;
  }

  next(v: SchedulerView): Decision {
    const wakes = this.oracle.offers(v);
    const drains = v.drains;
    const c = candidates(v);
    const drawn = this.draw(c, wakes, drains);
    if (c.length + wakes.length + drains.length < 2) return drawn;
    const options = [...c.map(String), ...wakes.map((w) => `w${w}`), ...drains.map((d) => `d${d.core}.${d.store}`)];
    const forced = this.overrides.get(v.decisions);
    // a spec typed by hand can name an option the decision does not have
    if (forced !== undefined && !options.includes(forced)) throw new InputError(`--schedule ${this.spec}: decision ${v.decisions} has options ${options.join(', ')}, not ${forced}`);
    let chosen = forced ?? optionOf(drawn);
    const fresh = this.walk?.fresh(options);
    if (fresh && fresh.length > 0 && !fresh.includes(chosen)) {
      chosen = fresh[this.redirect.int(fresh.length)]!;
      this.overrides.set(v.decisions, chosen);
    }
    this.walk?.take(chosen, options);
    return decisionOf(chosen);
  }

  private draw(c: number[], wakes: number[], drains: SchedulerView['drains']): Decision {
    if (wakes.length && this.rng.int(4) === 0) return { wake: wakes[this.rng.int(wakes.length)]! };
    if (drains.length && this.rng.int(4) === 0) {
      const d = drains[this.rng.int(drains.length)]!;
      return { drain: d.core, store: d.store };
    }
    return { core: c[this.rng.int(c.length)]!, steps: TURN };
  }
}
