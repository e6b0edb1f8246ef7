/**
 * Cortex-A9 Snoop Control Unit, PERIPHBASE + 0x0. Firmware reads the
 * configuration register to count cores; nothing here affects coherence
 * (penlab's bus is one coherent memory).
 */
import type { Device } from './device.js';
import { RegisterMap } from './device.js';

interface ScuState {
  control: number;
  powerStatus: number;
}

export class Scu implements Device {
  readonly name = 'SCU';
  readonly size = 0x100;
  s: ScuState = { control: 0, powerStatus: 0 };
  readonly stateFields = ['s'];
  constructor(readonly ncpu: number) {}
  read(core: number, offset: number, size: number): number {
    return REGISTERS.read(this, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    REGISTERS.write(this, core, offset, size, value);
  }
  reset(): void {
    this.s = { control: 0, powerStatus: 0 };
  }
}

const REGISTERS = new RegisterMap<Scu>('SCU', [
  { name: 'SCU_CTRL', offset: 0x00, read: (d) => d.s.control, write: (d, _c, v) => { d.s.control = v & 0x7f; } },
  // [1:0] number of CPUs - 1, [7:4] CPUs taking part in SMP (all of them)
  { name: 'SCU_CONFIG', offset: 0x04, read: (d) => ((d.ncpu - 1) | (((1 << d.ncpu) - 1) << 4)) >>> 0 },
  { name: 'SCU_POWER_STATUS', offset: 0x08, bytes: true, read: (d) => d.s.powerStatus, write: (d, _c, v) => { d.s.powerStatus = v >>> 0; } },
  { name: 'SCU_INVALIDATE_ALL', offset: 0x0c, write: () => {} }, // no caches to invalidate
]);
