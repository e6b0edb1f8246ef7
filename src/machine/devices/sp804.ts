/**
 * An ARM SP804 dual timer (DDI0271): two down-counters, each with load,
 * value, control, interrupt clear, raw and masked status and background
 * load, their interrupts ORed onto one GIC SPI (QEMU hw/timer/arm_timer.c;
 * vexpress-a9 has two, at 0x10011000 on SPI 2 and 0x10012000 on SPI 3, both
 * clocked at 1 MHz as hw/arm/vexpress.c sets them).
 *
 * Modes as QEMU has them: periodic reloads from Load, one-shot stops at
 * zero, free-running (neither bit) wraps to 0xFFFFFFFF (0xFFFF in 16-bit
 * mode); the prescaler divides by 1, 16 or 256. A Load write reloads the
 * counter; a BGLoad write only sets the next reload; TimerValue writes are
 * ignored.
 */
import type { Clock, TimeSource } from '../clock.js';
import { DownCounter } from '../clock.js';
import type { Device } from './device.js';
import { readClocked, RegisterMap, writeClocked } from './device.js';
import type { Gic } from './gic.js';

export const SP804_HZ = 1_000_000;

const ONESHOT = 1 << 0;
const SIZE_32 = 1 << 1;
const IE = 1 << 5;
const PERIODIC = 1 << 6;
const ENABLE = 1 << 7;

class Counter {
  load = 0;
  control = IE; // reset value: interrupt enabled, 16-bit, free-running, stopped
  raw = 0;
  readonly counter: DownCounter;
  readonly stateFields = ['load', 'control', 'raw', 'counter'];
  constructor(clock: Clock) {
    this.counter = new DownCounter(clock);
    this.counter.set(0xffffffff);
  }
  get tickHz(): number {
    const div = [1, 16, 256, 1][(this.control >>> 2) & 3]!;
    return SP804_HZ / div;
  }
  /** the value the counter reloads: Load, or the wrap value free-running */
  get limit(): number {
    if (!(this.control & (PERIODIC | ONESHOT))) return this.control & SIZE_32 ? 0xffffffff : 0xffff;
    return this.load;
  }
  start(now: number, value: number): void {
    if (!(this.control & ENABLE)) { this.counter.set(value); return; }
    this.counter.run(now, value, this.control & ONESHOT ? undefined : this.limit, this.tickHz);
  }
}

export class Sp804 implements Device, TimeSource {
  readonly name: string;
  readonly size = 0x1000;
  readonly timers: [Counter, Counter];
  readonly stateFields = ['timers'];

  constructor(base: number, readonly clock: Clock, private readonly gic: Gic, private readonly spi: number) {
    this.name = `SP804 at 0x${base.toString(16)}`;
    this.timers = [new Counter(clock), new Counter(clock)];
  }

  read(core: number, offset: number, size: number): number {
    return readClocked(this, REGISTERS, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    writeClocked(this, REGISTERS, core, offset, size, value, () => this.updateLine());
  }
  reset(): void {
    for (const t of this.timers) {
      Object.assign(t, { load: 0, control: IE, raw: 0 });
      t.counter.stop(0);
      t.counter.set(0xffffffff);
    }
    this.gic.setLine(0, this.spi, false);
  }

  timer(i: number): Counter {
    return this.timers[i]!;
  }

  setLoad(i: number, value: number, reload: boolean): void {
    const t = this.timer(i);
    t.load = value >>> 0;
    const now = this.clock.now;
    const current = t.counter.value(now);
    t.counter.stop(now);
    t.start(now, reload ? t.load : current);
  }

  setControl(i: number, value: number): void {
    const t = this.timer(i);
    const now = this.clock.now;
    t.counter.stop(now); // QEMU pauses the count while the mode changes, then goes on from where it was
    const current = t.counter.value(now);
    t.control = value & 0xff;
    t.start(now, current);
  }

  clear(i: number): void {
    this.timer(i).raw = 0;
  }

  private updateLine(): void {
    const high = this.timers.some((t) => t.raw === 1 && (t.control & IE) !== 0);
    this.gic.setLine(0, this.spi, high);
  }

  nextEvent(): number {
    return Math.min(this.timers[0].counter.nextEvent(), this.timers[1].counter.nextEvent());
  }

  advance(now: number): void {
    for (const t of this.timers) if (t.counter.take(now) > 0) t.raw = 1;
    this.updateLine();
  }
}

const ID = [0x04, 0x18, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]; // TimerPeriphID0-3, TimerPCellID0-3

/** SP804: timer 1 at +0x00, timer 2 at +0x20 */
const REGISTERS = new RegisterMap<Sp804>('SP804', [
  ...[1, 2].flatMap((n) => {
    const i = n - 1;
    const at = 0x20 * i;
    return [
      { name: `Timer${n}Load`, offset: at + 0x00, read: (d: Sp804) => d.timer(i).load, write: (d: Sp804, _c: number, v: number) => d.setLoad(i, v, true) },
      { name: `Timer${n}Value`, offset: at + 0x04, read: (d: Sp804) => d.timer(i).counter.value(d.clock.now), write: () => {} },
      { name: `Timer${n}Control`, offset: at + 0x08, read: (d: Sp804) => d.timer(i).control, write: (d: Sp804, _c: number, v: number) => d.setControl(i, v) },
      { name: `Timer${n}IntClr`, offset: at + 0x0c, write: (d: Sp804) => d.clear(i) },
      { name: `Timer${n}RIS`, offset: at + 0x10, read: (d: Sp804) => d.timer(i).raw },
      { name: `Timer${n}MIS`, offset: at + 0x14, read: (d: Sp804) => (d.timer(i).control & IE ? d.timer(i).raw : 0) },
      { name: `Timer${n}BGLoad`, offset: at + 0x18, read: (d: Sp804) => d.timer(i).load, write: (d: Sp804, _c: number, v: number) => d.setLoad(i, v, false) },
    ];
  }),
  { name: 'TimerPeriphID', offset: 0xfe0, count: 8, read: (_d, _c, i) => ID[i]! },
]);
