/**
 * Boards penlab can build, and which device sits where on them. The default
 * is QEMU's `vexpress-a9` memory map, so the same ELF runs on penlab and on
 * `qemu-system-arm -M vexpress-a9 -smp 2` (docs/board.md).
 */
import type { Bus } from './bus.js';
import type { Clock } from './clock.js';
import { DEFAULT_CLOCK_HZ } from './clock.js';
import type { Device, DeviceHost } from './devices/device.js';
import { Gic } from './devices/gic.js';
import { GlobalTimer } from './devices/global-timer.js';
import { Pl011 } from './devices/pl011.js';
import { Pl310 } from './devices/pl310.js';
import { PowerController } from './devices/power.js';
import { PrivateTimers } from './devices/private-timers.js';
import { Sp804 } from './devices/sp804.js';
import { Scu } from './devices/scu.js';
import { SysRegs } from './devices/sysregs.js';

export interface RamSpec {
  readonly name: 'sram' | 'dram';
  readonly base: number;
  readonly size: number;
}

export interface Board {
  readonly name: string;
  readonly cores: number;
  /** on-chip SRAM: outside system RAM, survives a kexec copy */
  readonly sram: RamSpec;
  /** system RAM: where kernels live, the clobber target */
  readonly dram: RamSpec;
  readonly sysregs: number;
  readonly uart0: number;
  /** Cortex-A9 private region: SCU +0x0, GIC CPU interface +0x100, global timer +0x200, private timer and watchdog +0x600, distributor +0x1000 */
  readonly periphBase: number;
  /**
   * penlab-only per-core power/reset controller (src/machine/devices/power.ts).
   * Not on QEMU's vexpress-a9: firmware meant to run on both must not touch it.
   */
  readonly powerCtl: number;
  /** SYS_ID value QEMU's vexpress-a9 system registers report */
  readonly sysId: number;
  /** SP804 dual timers and the GIC SPI each one's interrupt is wired to (QEMU vexpress.c: SPI 2 and 3) */
  readonly sp804: readonly { base: number; spi: number }[];
  /** PL310 L2 cache controller */
  readonly l2cc: number;
  /** virtual clock: cycles (instructions retired machine-wide) per virtual second */
  readonly clockHz: number;
}

export const MiB = 1024 * 1024;

export function vexpressA9(options: { cores?: number; dramSize?: number; clockHz?: number } = {}): Board {
  return {
    name: 'vexpress-a9',
    cores: options.cores ?? 2,
    sram: { name: 'sram', base: 0x48000000, size: 32 * MiB },
    dram: { name: 'dram', base: 0x60000000, size: options.dramSize ?? 128 * MiB },
    sysregs: 0x10000000,
    uart0: 0x10009000,
    periphBase: 0x1e000000,
    powerCtl: 0x1f000000,
    sysId: 0x1190f500,
    sp804: [{ base: 0x10011000, spi: 32 + 2 }, { base: 0x10012000, spi: 32 + 3 }],
    l2cc: 0x1e00a000,
    clockHz: options.clockHz ?? DEFAULT_CLOCK_HZ,
  };
}

export const MAX_CORES = 4;

/** What the board's devices may ask of the machine they sit in. */
export interface BoardHost extends DeviceHost {
  /** a byte of console output (UART0), tagged with its core and step */
  print(core: number, byte: number, step: number): void;
  powerOff(core: number): void;
  /** core comes out of reset at `entry` (bit 0: Thumb) */
  powerOn(core: number, entry: number): void;
  /** the board's virtual clock, which every time source reads */
  readonly clock: Clock;
  /** a watchdog in watchdog mode expired: the core would be reset */
  watchdogReset(core: number): void;
}

/** The board's devices, mapped on the bus: the one place that says what sits where. */
export function wireDevices(board: Board, bus: Bus, host: BoardHost): { gic: Gic; devices: Device[] } {
  const n = board.cores;
  const gic = new Gic(n, host);
  const scu = new Scu(n);
  const sys = new SysRegs(board.sysId, host, host.clock);
  const gtimer = new GlobalTimer(n, host.clock, gic);
  const ptimers = new PrivateTimers(n, host.clock, gic, (core) => host.watchdogReset(core));
  const sp804 = board.sp804.map((t) => new Sp804(t.base, host.clock, gic, t.spi));
  const l2cc = new Pl310();
  for (const t of [gtimer, ptimers, ...sp804]) host.clock.add(t);
  const uart = new Pl011((core, byte) => host.print(core, byte, host.step));
  const power = new PowerController(n, host, (core) => host.powerOff(core), (core, entry) => host.powerOn(core, entry));
  // the second name is the region traces list the device's register accesses under
  bus.map(board.periphBase, scu, 'scu');
  bus.map(board.periphBase + 0x100, gic.cpuInterface, 'gic');
  bus.map(board.periphBase + 0x200, gtimer, 'gtimer');
  bus.map(board.periphBase + 0x600, ptimers, 'ptimer');
  bus.map(board.periphBase + 0x1000, gic.distributor, 'gic');
  bus.map(board.sysregs, sys, 'sysregs');
  bus.map(board.uart0, uart, 'uart0');
  bus.map(board.powerCtl, power, 'power');
  for (const [i, t] of board.sp804.entries()) bus.map(t.base, sp804[i]!, 'sp804');
  bus.map(board.l2cc, l2cc, 'l2cc');
  // the GIC resets first: timers drop their lines into a fresh GIC
  return { gic, devices: [scu, gic.distributor, sys, uart, power, gtimer, ptimers, ...sp804, l2cc] };
}
