/**
 * penlab-only per-core power/reset controller, at Board.powerCtl
 * (0x1F000000 on the default board; QEMU's vexpress-a9 has nothing there, so
 * firmware meant to run on both must not touch it).
 *
 * It gives firmware the capability the kexec problem is about: a platform
 * that *can* take one core down. Writing a core's bit to PWR_OFF removes the
 * core from the machine (it executes nothing more, wherever it was);
 * PWR_STATUS reads 1 for every core still powered. The `cpu-kill` kexec
 * variant polls PWR_STATUS until the stopping core is off before it copies
 * the new kernel, and the new kernel powers the core on again.
 *
 *   +0x00        PWR_STATUS  RO  bit n = core n powered
 *   +0x04        PWR_OFF     WO  write bit n: power core n off
 *   +0x08        PWR_ON      WO  write bit n: core n restarts from reset state
 *                                (SVC mode, IRQ/FIQ masked) at PWR_ENTRY[n]
 *   +0x10 + 4n   PWR_ENTRY   RW  restart address of core n (bit 0: Thumb)
 */
import type { Device, DeviceHost } from './device.js';
import { RegisterMap } from './device.js';

export class PowerController implements Device {
  readonly name = 'power controller';
  readonly size = 0x1000;
  powered: number;
  readonly stateFields = ['powered', 'entry'];
  entry: number[];
  constructor(
    readonly ncpu: number,
    private readonly host: DeviceHost,
    private readonly powerOff: (core: number) => void,
    private readonly powerOn: (core: number, entry: number) => void,
  ) {
    this.powered = (1 << ncpu) - 1;
    this.entry = new Array<number>(ncpu).fill(0);
  }
  read(core: number, offset: number, size: number): number {
    return REGISTERS.read(this, core, offset, size);
  }
  write(core: number, offset: number, size: number, value: number): void {
    REGISTERS.write(this, core, offset, size, value);
  }
  off(mask: number): void {
    for (let c = 0; c < this.ncpu; c++) {
      if (mask & this.powered & (1 << c)) {
        this.powered &= ~(1 << c);
        this.powerOff(c);
      }
    }
    this.host.mutated();
  }
  on(mask: number): void {
    for (let c = 0; c < this.ncpu; c++) {
      if (mask & ~this.powered & (1 << c)) {
        this.powered |= 1 << c;
        this.powerOn(c, this.entry[c]!);
      }
    }
    this.host.mutated();
  }
  reset(): void {
    this.powered = (1 << this.ncpu) - 1;
    this.entry.fill(0);
  }
}

const REGISTERS = new RegisterMap<PowerController>('power controller', [
  { name: 'PWR_STATUS', offset: 0x00, read: (d) => d.powered },
  { name: 'PWR_OFF', offset: 0x04, write: (d, _c, v) => d.off(v) },
  { name: 'PWR_ON', offset: 0x08, write: (d, _c, v) => d.on(v) },
  {
    name: 'PWR_ENTRY', offset: 0x10, count: 4,
    read: (d, _c, i) => d.entry[i] ?? 0,
    write: (d, _c, v, i) => { if (i < d.ncpu) d.entry[i] = v >>> 0; },
  },
]);
