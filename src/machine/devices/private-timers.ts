/**
 * The Cortex-A9 private timer and watchdog (PERIPHBASE + 0x600 and + 0x620),
 * one pair per core, each core seeing its own at the same address (A9 MPCore
 * TRM 4.1, 4.2; QEMU hw/timer/arm_mptimer.c, which a9mpcore instantiates
 * twice). Both are down-counters at PERIPHCLK / (prescaler + 1); reaching
 * zero sets the event flag, raising PPI 29 (timer) or PPI 30 (watchdog) when
 * the IRQ enable bit is set, and reloads from Load with auto-reload.
 *
 * Watchdog mode (control bit 3) is modelled as the TRM has it: reaching zero
 * would reset the core, which penlab reports as a `fault` naming the
 * watchdog; once set it is left only through the 0x12345678, 0x87654321
 * sequence written to WDT_DISABLE. (QEMU models the watchdog as a second
 * plain timer: it has no watchdog mode, and 0x630/0x634 read as zero.)
 */
import type { Clock, TimeSource } from '../clock.js';
import { DownCounter } from '../clock.js';
import type { Device } from './device.js';
import { readClocked, RegisterMap, writeClocked } from './device.js';
import type { Gic } from './gic.js';
import { PERIPHCLK_HZ } from './global-timer.js';

const ENABLE = 1 << 0;
const AUTO_RELOAD = 1 << 1;
const IRQ_ENABLE = 1 << 2;
const WATCHDOG_MODE = 1 << 3;

class Block {
  load = 0;
  control = 0;
  status = 0;
  /** watchdog only: the reset flag and where the disable sequence stands */
  resetStatus = 0;
  disableStep = 0;
  readonly counter: DownCounter;
  readonly stateFields = ['load', 'control', 'status', 'resetStatus', 'disableStep', 'counter'];
  constructor(clock: Clock) {
    this.counter = new DownCounter(clock);
  }
  get tickHz(): number {
    return PERIPHCLK_HZ / (((this.control >>> 8) & 0xff) + 1);
  }
  restart(now: number, value: number): void {
    if (this.control & ENABLE) this.counter.run(now, value, this.control & AUTO_RELOAD ? this.load : undefined, this.tickHz);
    else this.counter.set(value);
  }
}

export class PrivateTimers implements Device, TimeSource {
  readonly name = 'A9 private timer and watchdog';
  readonly size = 0x40;
  /** per core: [timer, watchdog] */
  readonly blocks: [Block, Block][];
  readonly stateFields = ['blocks'];

  constructor(
    ncpu: number,
    readonly clock: Clock,
    private readonly gic: Gic,
    /** a watchdog in watchdog mode reached zero: the core would be reset */
    private readonly watchdogReset: (core: number) => void,
  ) {
    this.blocks = Array.from({ length: ncpu }, () => [new Block(clock), new Block(clock)]);
  }

  read(core: number, offset: number, size: number): number {
    return readClocked(this, REGISTERS, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    writeClocked(this, REGISTERS, core, offset, size, value);
  }
  reset(): void {
    for (const [c, pair] of this.blocks.entries()) {
      for (const b of pair) {
        Object.assign(b, { load: 0, control: 0, status: 0, resetStatus: 0, disableStep: 0 });
        b.counter.stop(0);
        b.counter.set(0);
      }
      this.gic.setLine(c, 29, false);
      this.gic.setLine(c, 30, false);
    }
  }

  block(core: number, index: number): Block {
    return this.blocks[core]![index]!;
  }

  setLoad(core: number, index: number, value: number): void {
    const b = this.block(core, index);
    b.load = value >>> 0;
    b.restart(this.clock.now, b.load); // a Load write also loads the counter
  }

  setCounter(core: number, index: number, value: number): void {
    this.block(core, index).restart(this.clock.now, value);
  }

  setControl(core: number, index: number, value: number): void {
    const b = this.block(core, index);
    const now = this.clock.now;
    const current = b.counter.value(now);
    const wasOn = (b.control & ENABLE) !== 0;
    // watchdog mode is sticky: only the disable sequence clears it
    const keep = index === 1 ? b.control & WATCHDOG_MODE : 0;
    b.control = (value & (index === 1 ? 0xff0f : 0xff07)) | keep;
    b.counter.stop(now);
    const start = !wasOn && current === 0 && b.control & AUTO_RELOAD ? b.load : current;
    b.restart(now, start);
  }

  clearStatus(core: number, index: number, value: number): void {
    this.block(core, index).status &= ~value & 1;
  }

  watchdogDisable(core: number, value: number): void {
    const b = this.block(core, 1);
    if (value >>> 0 === 0x12345678) b.disableStep = 1;
    else if (value >>> 0 === 0x87654321 && b.disableStep === 1) {
      b.disableStep = 0;
      b.control &= ~WATCHDOG_MODE;
    } else b.disableStep = 0;
  }

  nextEvent(): number {
    let next = Infinity;
    for (const pair of this.blocks) for (const b of pair) next = Math.min(next, b.counter.nextEvent());
    return next;
  }

  advance(now: number): void {
    for (const [c, pair] of this.blocks.entries()) {
      for (const [index, b] of pair.entries()) {
        if (b.counter.take(now) === 0) continue;
        if (index === 1 && b.control & WATCHDOG_MODE) {
          b.resetStatus = 1;
          this.watchdogReset(c);
          continue;
        }
        b.status = 1;
      }
      this.gic.setLine(c, 29, pair[0].status === 1 && (pair[0].control & IRQ_ENABLE) !== 0);
      this.gic.setLine(c, 30, pair[1].status === 1 && (pair[1].control & IRQ_ENABLE) !== 0);
    }
  }
}

/** PERIPHBASE + 0x600, banked per core: the private timer (+0x00) and the watchdog (+0x20) */
const REGISTERS = new RegisterMap<PrivateTimers>('A9 private timers', [
  ...(['PT', 'WDT'] as const).flatMap((n, index) => [
    { name: `${n}_LOAD`, offset: 0x20 * index + 0x00, read: (t: PrivateTimers, c: number) => t.block(c, index).load, write: (t: PrivateTimers, c: number, v: number) => t.setLoad(c, index, v) },
    { name: `${n}_COUNTER`, offset: 0x20 * index + 0x04, read: (t: PrivateTimers, c: number) => t.block(c, index).counter.value(t.clock.now), write: (t: PrivateTimers, c: number, v: number) => t.setCounter(c, index, v) },
    { name: `${n}_CONTROL`, offset: 0x20 * index + 0x08, read: (t: PrivateTimers, c: number) => t.block(c, index).control, write: (t: PrivateTimers, c: number, v: number) => t.setControl(c, index, v) },
    { name: `${n}_INT_STATUS`, offset: 0x20 * index + 0x0c, read: (t: PrivateTimers, c: number) => t.block(c, index).status, write: (t: PrivateTimers, c: number, v: number) => t.clearStatus(c, index, v) },
  ]),
  { name: 'WDT_RESET_STATUS', offset: 0x30, read: (t, c) => t.block(c, 1).resetStatus, write: (t, c, v) => { t.block(c, 1).resetStatus &= ~v & 1; } },
  { name: 'WDT_DISABLE', offset: 0x34, write: (t, c, v) => t.watchdogDisable(c, v) },
]);
