/**
 * Waiting: which cores are asleep, polling or going round in a loop nothing
 * can end. The scheduler asks; a turn tells it what each core just did.
 *
 * - Sleep follows the ARM ARM: SEV sets every core's event register; WFE
 *   consumes a set one or sleeps until an event or an IRQ that CPSR.I does not
 *   mask; WFI sleeps until an interrupt is pending, masked or not.
 * - Polling: a core back at a PC reading the same word (or device register)
 *   with the same value, having written nothing since, is waiting even if it
 *   counts its polls. While the word keeps that value (a device: while nothing
 *   changed), its turn may go to others: a correct busy-wait is never a
 *   livelock or a timeout just because the scheduler kept running it.
 * - Repeating: a core whose whole register state came back while memory did
 *   not change can never get anywhere alone (livelock material).
 */
import type { Bus } from './bus.js';
import type { Core } from './core.js';
import type { EventStream } from './events.js';
import type { Gic } from './devices/gic.js';

/** a read a core's turn ended at: RAM (size > 0, re-checkable) or a device register (bound to the seen epoch) */
export interface Poll {
  address: number;
  size: number;
  value: number;
  epoch: number;
}

/** register-state hashes kept per core between memory changes */
const SPIN_MEMORY = 4096;

interface SpinState {
  epoch: number;
  seen: Set<number>;
  repeating: boolean;
  /** the reads its turns ended at, by PC */
  polls: Map<number, Poll>;
  polling: Poll | undefined;
}

export class Waiting {
  private readonly spin: SpinState[];
  readonly stateFields = ['spin'];

  constructor(
    private readonly cores: Core[],
    private readonly bus: Bus,
    private readonly gic: Gic,
    private readonly events: EventStream,
    /** the step a wake is stamped with: the instruction that caused it */
    private readonly now: () => number,
  ) {
    this.spin = cores.map(() => ({ epoch: -1, seen: new Set<number>(), repeating: false, polls: new Map(), polling: undefined }));
  }

  reset(): void {
    for (const s of this.spin) {
      Object.assign(s, { epoch: -1, repeating: false, polling: undefined });
      s.seen.clear();
      s.polls.clear();
    }
  }

  /** Apply the wake rules to sleeping cores. */
  wakeSleepers(): void {
    for (const c of this.cores) {
      if (c.state === 'wfe') {
        if (c.event) { c.event = false; this.wake(c, 'event'); }
        else if (this.gic.irqLine(c.id) && !c.irqMasked) this.wake(c, 'irq');
      } else if (c.state === 'wfi' && this.gic.irqLine(c.id)) {
        this.wake(c, 'irq'); // WFI wakes on a pending interrupt even while CPSR.I masks it
      }
    }
  }

  /** WFE is a hint: hardware may end it early. Exploration chooses to. */
  wakeEarly(id: number): void {
    const c = this.cores[id]!;
    if (c.state === 'wfe') this.wake(c, 'early');
  }

  private wake(c: Core, why: 'event' | 'irq' | 'early'): void {
    const how = c.state as 'wfe' | 'wfi';
    c.state = 'running';
    this.events.emit({ kind: 'wake', step: this.now(), core: c.id, how, why });
  }

  /** a core waiting on memory nothing has changed: its turn may go to another core */
  isSpinning(id: number): boolean {
    if (this.isRepeating(id)) return true;
    const p = this.spin[id]!.polling;
    if (!p) return false;
    if (p.size === 0) return p.epoch === this.bus.native.seenEpoch;
    const now = p.size === 4 ? this.bus.readU32(p.address) : p.size === 2 ? this.bus.readU16(p.address) : this.bus.readU8(p.address);
    return now === p.value;
  }

  /** the memory epoch of core `id`'s last state hash (-1: none since the reset) */
  hashEpoch(id: number): number {
    return this.spin[id]!.epoch;
  }

  /** a core whose whole state has repeated with memory unchanged: it can never get anywhere alone */
  isRepeating(id: number): boolean {
    const s = this.spin[id]!;
    return s.repeating && s.epoch === this.bus.native.epoch;
  }

  /**
   * The seen epoch now: a poll of a device register holds while it is
   * unchanged (nothing another core could see has changed: a counter only its
   * own core reads does not move it).
   */
  get epoch(): number {
    return this.bus.native.seenEpoch;
  }

  /**
   * What core `id`'s last native run did: a write another core can see (a
   * RAM value some other core has read, a shared word, code another core ran,
   * any device write) ends polling, while a counter only this core reads does
   * not: a bounded wait is still a wait. A repeated read starts polling; the
   * register-state hash (when one was taken) feeds livelock, against the
   * memory epoch right after the run (`epoch`: given when the note comes
   * later, for a turn of a rotation run in C).
   */
  note(id: number, wrote: boolean, read: Poll | undefined, hash: number | undefined, epoch = this.bus.native.epoch): void {
    const s = this.spin[id]!;
    if (wrote) {
      s.polls.clear();
      s.polling = undefined;
    }
    if (read) {
      const pc = this.cores[id]!.pc;
      const before = s.polls.get(pc);
      s.polling = before && before.address === read.address && before.value === read.value ? read : undefined;
      if (s.polls.size < 64 || before) s.polls.set(pc, read);
    }
    if (hash === undefined) return;
    const key = hash;
    if (s.epoch !== epoch || s.seen.size >= SPIN_MEMORY) {
      s.epoch = epoch;
      s.seen.clear();
      s.repeating = false;
    } else if (s.seen.has(key)) {
      s.repeating = true;
      return;
    }
    s.seen.add(key);
  }
}
