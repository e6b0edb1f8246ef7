/**
 * ARM semihosting, as QEMU's `-semihosting` provides it to bare-metal code:
 * the subset firmware uses to print and to end a run. Reached through the SVC
 * trap (`SVC 0x123456` in ARM state, `SVC 0xAB` in Thumb), never through the
 * firmware's vector table.
 */
import type { Bus } from '../bus.js';
import { DeviceError } from './device.js';

export const SYS_WRITEC = 0x03;
export const SYS_WRITE0 = 0x04;
export const SYS_EXIT = 0x18;
export const SYS_EXIT_EXTENDED = 0x20;
/** ADP_Stopped_ApplicationExit: the one reason that means success */
export const APPLICATION_EXIT = 0x20026;

const NAMES: Record<number, string> = {
  [SYS_WRITEC]: 'SYS_WRITEC', [SYS_WRITE0]: 'SYS_WRITE0', [SYS_EXIT]: 'SYS_EXIT', [SYS_EXIT_EXTENDED]: 'SYS_EXIT_EXTENDED',
};
const MAX_STRING = 64 * 1024;

export type SemihostingResult = { r0: number } | { exit: number };

export class Semihosting {
  constructor(private readonly bus: Bus, private readonly print: (core: number, byte: number) => void) {}

  static opName(op: number): string {
    return NAMES[op] ?? `0x${op.toString(16)}`;
  }

  call(core: number, op: number, arg: number): SemihostingResult {
    switch (op) {
      case SYS_WRITEC:
        this.print(core, this.byteAt(arg, 'SYS_WRITEC'));
        return { r0: 0 };
      case SYS_WRITE0: {
        for (let i = 0; ; i++) {
          if (i === MAX_STRING) throw new DeviceError(`semihosting SYS_WRITE0: no NUL within ${MAX_STRING} bytes of 0x${arg.toString(16)}`);
          const b = this.byteAt(arg + i, 'SYS_WRITE0');
          if (b === 0) break;
          this.print(core, b);
        }
        return { r0: 0 };
      }
      case SYS_EXIT:
        // AArch32: r1 is the reason itself; QEMU exits 0 for ApplicationExit, 1 otherwise
        return { exit: arg === APPLICATION_EXIT ? 0 : 1 };
      case SYS_EXIT_EXTENDED: {
        const reason = this.wordAt(arg, 'SYS_EXIT_EXTENDED');
        const code = this.wordAt(arg + 4, 'SYS_EXIT_EXTENDED');
        return { exit: reason === APPLICATION_EXIT ? code : 1 };
      }
      default:
        throw new DeviceError(`unsupported semihosting operation ${Semihosting.opName(op)} (r1 = 0x${arg.toString(16)})`);
    }
  }

  private byteAt(a: number, what: string): number {
    if (!this.bus.isRam(a)) throw new DeviceError(`semihosting ${what}: argument 0x${(a >>> 0).toString(16)} is not in RAM`);
    return this.bus.readU8(a);
  }
  private wordAt(a: number, what: string): number {
    if (!this.bus.isRam(a, 4)) throw new DeviceError(`semihosting ${what}: argument 0x${(a >>> 0).toString(16)} is not in RAM`);
    return this.bus.readU32(a);
  }
}
