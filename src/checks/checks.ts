/**
 * The checks a run is watched by: wiring detectors to the machine's event
 * stream, with the scenario's safe regions.
 */
import type { Machine } from '../machine/machine.js';
import { ClobberDetector, type Range } from './clobber.js';
import { StaleCodeDetector } from './stale-code.js';

export interface CheckOptions {
  /** extra safe regions [start, end) beyond everything outside system RAM */
  safe?: Range[];
  /** stale code includes bytes written by other cores */
  strictCodeSync?: boolean;
  /** run without detectors (faster; only exit, fault, deadlock, livelock, timeout) */
  noChecks?: boolean;
}

/**
 * Safe regions: outside system RAM, plus named ranges and
 * `__penlab_safe*_start/_end` symbol pairs. The answer is the same between
 * two consecutive range edges, so the predicate keeps the last such span it
 * answered for: a core running a loop asks about the same span at every
 * instruction, and that costs two compares.
 */
export function safePredicate(machine: Machine, extra: Range[]): (a: number) => boolean {
  const { base, size } = machine.board.dram;
  const ranges = [...extra, ...machine.firmware.ranges('__penlab_safe')];
  const end = base + size;
  const inRanges = (a: number) => {
    if (a < base || a >= end) return true;
    for (const [s, e] of ranges) if (a >= s && a < e) return true;
    return false;
  };
  const edges = [...new Set([base, end, ...ranges.flat()])].sort((x, y) => x - y);
  // the span [from, to) the last answer holds for; empty until the first question
  let from = 0;
  let to = 0;
  let answer = false;
  return (a: number) => {
    if (a >= from && a < to) return answer;
    let hi = 0;
    while (hi < edges.length && edges[hi]! <= a) hi++;
    from = hi > 0 ? edges[hi - 1]! : -Infinity;
    to = hi < edges.length ? edges[hi]! : Infinity;
    answer = inRanges(a);
    return answer;
  };
}

/** Subscribes the detectors to the machine, unless checks are off. */
export function attachChecks(machine: Machine, o: CheckOptions): void {
  if (o.noChecks) return;
  const safe = safePredicate(machine, o.safe ?? []);
  const clobber = new ClobberDetector(machine, safe);
  const strictSync = o.strictCodeSync ?? false;
  const staleCode = new StaleCodeDetector(machine, strictSync);
  machine.codeChecks = { safe, strictSync };
  // one subscriber for both, in this order: one call per fetched instruction and per
  // write reaches both detectors (each call from the log loop costs about what a
  // detector's own work on a loop's instruction does)
  machine.events.subscribe({
    fetch(core, step, pc, size, word) {
      clobber.fetch(core, step, pc, size, word);
      staleCode.fetch(core, step, pc, size, word);
    },
    write(core, step, address, size) {
      clobber.write(core, step, address, size);
      staleCode.write(core, step, address, size);
    },
    event(e) {
      clobber.event(e);
      staleCode.event(e);
    },
  });
  machine.onReset(() => { clobber.reset(); staleCode.reset(); });
  machine.holdsState(clobber, staleCode);
}
