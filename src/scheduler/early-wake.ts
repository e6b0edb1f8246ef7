/**
 * When may a WFE end early and matter? WFE is a hint: hardware may wake it
 * for no visible reason, and correct firmware re-checks its condition. An
 * early wake can only change the outcome after another core has written
 * memory since the WFE began, so it is offered at the first such write, and
 * then at every write to a word the sleeping core has read (its wait loop's
 * words): then it could see something new. Each offer is made once.
 *
 * Under --memory relaxed also at the WFE itself when a word the core read
 * became visible changed after it read it: the loop read the old value, and
 * the SEV that would wake it may come much later (after a DSB that waits for
 * other stores), so waking at once sees the new value early.
 *
 * One oracle per machine (`earlyWakes(machine)`), shared by every policy that
 * offers early wakes, so policies made from a spec need nothing but the machine.
 */
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import type { SchedulerView } from './policy.js';

/** the most words a core's reads are remembered for (a wait loop reads a few; a copy loop would grow without end) */
const READS_KEPT = 4096;
/** a slot no word address fills (they are multiples of 4) */
const EMPTY = 1;

/**
 * The words a core has read, up to READS_KEPT: an open-addressing hash set
 * in one typed array (twice as many slots, so probes stay short). Every RAM
 * read adds to it; a Set cost more than the rest of the read's handling.
 */
export class WordSet {
  private readonly slots = new Int32Array(2 * READS_KEPT).fill(EMPTY);
  size = 0;
  readonly stateFields = ['slots', 'size'];

  /** the slot holding `word`, or the empty slot where it would go */
  private slot(word: number): number {
    const mask = this.slots.length - 1;
    let i = Math.imul(word, 0x9e3779b1) >>> 19 & mask;
    for (let s = this.slots[i]!; s !== word && s !== EMPTY; s = this.slots[i]!) i = (i + 1) & mask;
    return i;
  }

  has(word: number): boolean {
    return this.size > 0 && this.slots[this.slot(word | 0)] !== EMPTY;
  }

  /** adds `word` unless READS_KEPT words are held already */
  add(word: number): void {
    if (this.size >= READS_KEPT) return;
    const i = this.slot(word | 0);
    if (this.slots[i] !== EMPTY) return;
    this.slots[i] = word;
    this.size++;
  }

  clear(): void {
    if (this.size === 0) return;
    this.slots.fill(EMPTY);
    this.size = 0;
  }
}

export class EarlyWakeOracle implements MachineObserver {
  private readonly reads: WordSet[];
  private readonly asleep: boolean[];
  private readonly firstWrite: boolean[];
  private readonly eligible: boolean[];
  /** relaxed: a word the core read was made visible anew since then */
  private readonly stale: boolean[];
  readonly stateFields = ['reads', 'asleep', 'firstWrite', 'eligible', 'stale'];

  constructor(private readonly machine: Machine) {
    const n = machine.cores.length;
    this.reads = Array.from({ length: n }, () => new WordSet());
    this.asleep = new Array<boolean>(n).fill(false);
    this.firstWrite = new Array<boolean>(n).fill(false);
    this.eligible = new Array<boolean>(n).fill(false);
    this.stale = new Array<boolean>(n).fill(false);
    machine.onReset(() => this.reset());
    machine.holdsState(this);
  }

  reset(): void {
    for (const r of this.reads) r.clear();
    this.asleep.fill(false);
    this.firstWrite.fill(false);
    this.eligible.fill(false);
    this.stale.fill(false);
  }

  read(core: number, _step: number, address: number): void {
    this.reads[core]!.add(address & ~3);
  }

  write(core: number, _step: number, address: number): void {
    // relaxed: a sleeper can see a buffered store only once it drains
    if (!this.machine.memory.relaxed) this.written(core, address);
  }

  private written(core: number, address: number): void {
    const word = address & ~3;
    const relaxed = this.machine.memory.relaxed;
    for (let c = 0; c < this.asleep.length; c++) {
      if (relaxed && c !== core && !this.asleep[c] && this.reads[c]!.has(word)) this.stale[c] = true;
      if (c === core || !this.asleep[c]) continue;
      if (this.firstWrite[c] || this.reads[c]!.has(word)) this.eligible[c] = true;
      this.firstWrite[c] = false;
    }
  }

  event(e: MachineEvent): void {
    if (e.kind === 'visible') this.written(e.core, e.address);
    else if (e.kind === 'sleep' && e.how === 'wfe') {
      this.asleep[e.core] = true;
      this.firstWrite[e.core] = true;
      if (this.stale[e.core]) this.eligible[e.core] = true;
      this.stale[e.core] = false;
    } else if (e.kind === 'wake') {
      this.asleep[e.core] = false;
      this.eligible[e.core] = false;
    }
  }

  /** cores whose WFE could end early now with a visible effect; asking consumes the offer */
  offers(v: SchedulerView): number[] {
    const out = v.wfe.filter((c) => this.eligible[c]);
    for (const c of out) this.eligible[c] = false;
    return out;
  }
}

const oracles = new WeakMap<Machine, EarlyWakeOracle>();

/** the machine's oracle, subscribed to its events on first use */
export function earlyWakes(machine: Machine): EarlyWakeOracle {
  let o = oracles.get(machine);
  if (!o) {
    o = new EarlyWakeOracle(machine);
    machine.events.subscribe(o);
    oracles.set(machine, o);
  }
  return o;
}
