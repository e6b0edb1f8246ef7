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

/** Safe regions: outside system RAM, plus named ranges and `__penlab_safe*_start/_end` symbol pairs. */
export function safePredicate(machine: Machine, extra: Range[]): (a: number) => boolean {
  const { base, size } = machine.board.dram;
  const ranges = [...extra, ...machine.firmware.ranges('__penlab_safe')];
  const end = base + size;
  return (a: number) => {
    if (a < base || a >= end) return true;
    for (const [s, e] of ranges) if (a >= s && a < e) return true;
    return false;
  };
}

/** Subscribes the detectors to the machine, unless checks are off. */
export function attachChecks(machine: Machine, o: CheckOptions): void {
  if (o.noChecks) return;
  const safe = safePredicate(machine, o.safe ?? []);
  const clobber = new ClobberDetector(machine, safe);
  const staleCode = new StaleCodeDetector(machine, o.strictCodeSync ?? false);
  machine.events.subscribe(clobber);
  machine.events.subscribe(staleCode);
  machine.onReset(() => { clobber.reset(); staleCode.reset(); });
  machine.holdsState(clobber, staleCode);
}
