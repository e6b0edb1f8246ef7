/**
 * Versatile Express system registers (motherboard, 0x10000000). SYS_FLAGS is
 * where vexpress firmware publishes a secondary entry address; SYS_24MHZ
 * counts the board's virtual clock at 24 MHz (QEMU hw/misc/arm_sysctl.c:
 * virtual nanoseconds scaled to 24 MHz, low 32 bits).
 */
import type { Clock } from '../clock.js';
import type { Device, DeviceHost } from './device.js';
import { RegisterMap } from './device.js';

export class SysRegs implements Device {
  readonly name = 'system registers';
  readonly size = 0x1000;
  flags = 0;
  readonly stateFields = ['flags'];
  constructor(readonly sysId: number, private readonly host: DeviceHost, readonly clock: Clock) {}
  read(core: number, offset: number, size: number): number {
    return REGISTERS.read(this, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    REGISTERS.write(this, core, offset, size, value);
  }
  setFlags(set: number, clear: number): void {
    this.flags = ((this.flags | set) & ~clear) >>> 0;
    this.host.mutated();
  }
  reset(): void {
    this.flags = 0;
  }
}

const REGISTERS = new RegisterMap<SysRegs>('system registers', [
  { name: 'SYS_ID', offset: 0x00, read: (d) => d.sysId },
  // one address, two meanings: reads give SYS_FLAGS, writes are SYS_FLAGSSET
  { name: 'SYS_FLAGS', offset: 0x30, read: (d) => d.flags, write: (d, _c, v) => d.setFlags(v, 0) },
  { name: 'SYS_FLAGSCLR', offset: 0x34, write: (d, _c, v) => d.setFlags(0, v) },
  { name: 'SYS_24MHZ', offset: 0x5c, read: (d) => d.clock.ticks(0, d.clock.now, 24_000_000) % 0x100000000 },
]);
