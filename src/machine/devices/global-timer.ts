/**
 * The Cortex-A9 global timer (PERIPHBASE + 0x200): one 64-bit up-counter
 * shared by every core, and per core a comparator with auto-increment whose
 * event raises PPI 27 (A9 MPCore TRM r2p0+ 4.3; QEMU hw/timer/a9gtimer.c).
 *
 * The counter runs at PERIPHCLK / (prescaler + 1); PERIPHCLK is 100 MHz as
 * QEMU has it, read from the board's virtual clock. The comparator fires when
 * the counter reaches it (>=, r2p0 and later); with auto-increment the
 * comparator then advances by the increment past the counter.
 */
import type { Clock, TimeSource } from '../clock.js';
import type { Device } from './device.js';
import { readClocked, RegisterMap, writeClocked } from './device.js';
import type { Gic } from './gic.js';

export const PERIPHCLK_HZ = 100_000_000;
const PPI_GLOBAL_TIMER = 27;

const TIMER_ENABLE = 1 << 0;
const COMP_ENABLE = 1 << 1;
const IRQ_ENABLE = 1 << 2;
const AUTO_INCREMENT = 1 << 3;
const BANKED = COMP_ENABLE | IRQ_ENABLE | AUTO_INCREMENT;

interface PerCore {
  control: number; // the banked bits
  compare: bigint;
  increment: number;
  status: number;
}

export class GlobalTimer implements Device, TimeSource {
  readonly name = 'A9 global timer';
  readonly size = 0x100;
  /** shared control bits: enable, prescaler */
  control = 0;
  readonly stateFields = ['control', 'base', 't0', 'cpus'];
  /** counter value at cycle t0 */
  private base = 0n;
  private t0 = 0;
  readonly cpus: PerCore[];

  constructor(ncpu: number, readonly clock: Clock, private readonly gic: Gic) {
    this.cpus = Array.from({ length: ncpu }, () => ({ control: 0, compare: 0n, increment: 0, status: 0 }));
  }

  read(core: number, offset: number, size: number): number {
    return readClocked(this, REGISTERS, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    writeClocked(this, REGISTERS, core, offset, size, value);
  }
  reset(): void {
    this.control = 0;
    this.base = 0n;
    this.t0 = 0;
    for (const [c, p] of this.cpus.entries()) {
      Object.assign(p, { control: 0, compare: 0n, increment: 0, status: 0 });
      this.gic.setLine(c, PPI_GLOBAL_TIMER, false);
    }
  }

  private get tickHz(): number {
    return PERIPHCLK_HZ / (((this.control >>> 8) & 0xff) + 1);
  }

  counter(now: number): bigint {
    if (!(this.control & TIMER_ENABLE)) return this.base;
    return this.base + BigInt(this.clock.ticks(this.t0, now, this.tickHz));
  }

  /** counter writes are ignored while the timer runs (the TRM says to disable it first; QEMU ignores them) */
  setCounter(hi: boolean, value: number): void {
    if (this.control & TIMER_ENABLE) return;
    this.base = deposit(this.base, hi, value);
  }

  setControl(core: number, value: number): void {
    const now = this.clock.now;
    this.base = this.counter(now); // re-base: the prescaler or enable may change
    this.t0 = now;
    this.cpus[core]!.control = value & BANKED;
    this.control = value & (TIMER_ENABLE | 0xff00);
  }

  setCompare(core: number, hi: boolean, value: number): void {
    const p = this.cpus[core]!;
    p.compare = deposit(p.compare, hi, value);
    if (p.control & DELIVERED) p.control = (p.control & ~DELIVERED) | COMP_ENABLE; // a new comparison
  }

  clearStatus(core: number, value: number): void {
    this.cpus[core]!.status &= ~value;
  }

  nextEvent(): number {
    if (!(this.control & TIMER_ENABLE)) return Infinity;
    let next = Infinity;
    const now = this.clock.now;
    const count = this.counter(now);
    for (const p of this.cpus) {
      if (!(p.control & COMP_ENABLE)) continue;
      if (p.compare <= count) return now; // due already (just written, or never delivered)
      const ticks = p.compare - this.base;
      next = Math.min(next, this.clock.cycleOfTick(this.t0, Number(ticks), this.tickHz));
    }
    return next;
  }

  advance(now: number): void {
    const count = this.counter(now);
    for (const [c, p] of this.cpus.entries()) {
      if (this.control & TIMER_ENABLE && p.control & COMP_ENABLE && p.compare <= count) {
        p.status = 1;
        if (p.control & AUTO_INCREMENT && p.increment) {
          const inc = BigInt(p.increment);
          p.compare += ((count - p.compare) / inc + 1n) * inc;
        } else {
          // an event without auto-increment happens once: the comparator stays behind the counter
          p.control &= ~COMP_ENABLE;
          p.control |= DELIVERED;
        }
      }
      this.gic.setLine(c, PPI_GLOBAL_TIMER, p.status === 1 && (p.control & IRQ_ENABLE) !== 0);
    }
  }

  controlRegister(core: number): number {
    const p = this.cpus[core]!;
    // an event without auto-increment leaves the comparator enabled as far as software can see
    const banked = p.control & DELIVERED ? (p.control & ~DELIVERED) | COMP_ENABLE : p.control;
    return (this.control | banked) >>> 0;
  }
}

/** internal: comparator enabled, its one event delivered (reads as COMP_ENABLE) */
const DELIVERED = 1 << 16;

function deposit(v: bigint, hi: boolean, value: number): bigint {
  const word = BigInt(value >>> 0);
  return hi ? (v & 0xffffffffn) | (word << 32n) : (v & ~0xffffffffn) | word;
}

/** A9 global timer, PERIPHBASE + 0x200; comparator, its control bits and auto-increment banked per core */
const REGISTERS = new RegisterMap<GlobalTimer>('A9 global timer', [
  { name: 'GT_COUNTER_LO', offset: 0x00, read: (t) => Number(t.counter(t.clock.now) & 0xffffffffn), write: (t, _c, v) => t.setCounter(false, v) },
  { name: 'GT_COUNTER_HI', offset: 0x04, read: (t) => Number(t.counter(t.clock.now) >> 32n), write: (t, _c, v) => t.setCounter(true, v) },
  { name: 'GT_CONTROL', offset: 0x08, read: (t, c) => t.controlRegister(c), write: (t, c, v) => t.setControl(c, v) },
  { name: 'GT_INT_STATUS', offset: 0x0c, read: (t, c) => t.cpus[c]!.status, write: (t, c, v) => t.clearStatus(c, v) },
  { name: 'GT_COMPARATOR_LO', offset: 0x10, read: (t, c) => Number(t.cpus[c]!.compare & 0xffffffffn), write: (t, c, v) => t.setCompare(c, false, v) },
  { name: 'GT_COMPARATOR_HI', offset: 0x14, read: (t, c) => Number(t.cpus[c]!.compare >> 32n), write: (t, c, v) => t.setCompare(c, true, v) },
  { name: 'GT_AUTO_INCREMENT', offset: 0x18, read: (t, c) => t.cpus[c]!.increment, write: (t, c, v) => { t.cpus[c]!.increment = v >>> 0; } },
]);
