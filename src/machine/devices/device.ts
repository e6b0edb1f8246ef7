/**
 * What every memory-mapped device is to the bus, and the declarative register
 * map each one states its registers in, once (as QEMU's and Renode's models do).
 */
import type { Clock, TimeSource } from '../clock.js';
import type { MachineEvent } from '../events.js';

/** What a device may ask of the machine it sits in. */
export interface DeviceHost {
  /** the global step of the instruction being executed */
  readonly step: number;
  emit(e: MachineEvent): void;
  /** device state changed in a way another core could observe (ends a spin) */
  mutated(): void;
}

export interface Device {
  readonly name: string;
  /** bytes of address space, a multiple of 4 KiB unless it shares a page */
  readonly size: number;
  read(core: number, offset: number, size: number): number;
  write(core: number, offset: number, size: number, value: number): void;
  reset(): void;
  /** the register at `offset` by its name, for reports (absent: reports give the address) */
  registerName?(offset: number): string | undefined;
  /** the fields that are its run state (machine snapshots: state.ts) */
  readonly stateFields: readonly string[];
}

/** An access the device does not decode: the run reports it as a fault. */
export class DeviceError extends Error {}

export interface Register<D> {
  name: string;
  offset: number;
  /** a bank of `count` consecutive 32-bit registers, named NAME0, NAME1, ... */
  count?: number;
  /** byte accesses allowed (e.g. GICD_IPRIORITYR): byte writes merge into the word */
  bytes?: boolean;
  /** absent: write-only */
  read?: (dev: D, core: number, index: number) => number;
  /** absent: read-only */
  write?: (dev: D, core: number, value: number, index: number) => void;
}

export class RegisterMap<D> {
  private readonly byWord = new Map<number, { reg: Register<D>; index: number }>();

  constructor(readonly device: string, readonly registers: readonly Register<D>[]) {
    for (const reg of registers) {
      for (let i = 0; i < (reg.count ?? 1); i++) {
        const at = reg.offset + 4 * i;
        if (this.byWord.has(at)) throw new Error(`${device}: two registers at +0x${at.toString(16)}`);
        this.byWord.set(at, { reg, index: i });
      }
    }
  }

  private lookup(offset: number, size: number, what: string) {
    const hit = this.byWord.get(offset & ~3);
    const where = `${this.device} +0x${offset.toString(16)}`;
    if (!hit) throw new DeviceError(`${what} of undecoded register ${where}`);
    const aligned = (offset & (size - 1)) === 0;
    if (!aligned || (size !== 4 && !(hit.reg.bytes && size === 1))) {
      throw new DeviceError(`${size}-byte ${what} of ${this.name(hit)} (${where}) is not a supported access size`);
    }
    return hit;
  }

  /** the name of the register at `offset` (undefined: none decodes it) */
  nameAt(offset: number): string | undefined {
    const hit = this.byWord.get(offset & ~3);
    return hit && this.name(hit);
  }

  private name(hit: { reg: Register<D>; index: number }): string {
    return hit.reg.count ? `${hit.reg.name}${hit.index}` : hit.reg.name;
  }

  read(dev: D, core: number, offset: number, size: number): number {
    const hit = this.lookup(offset, size, 'read');
    if (!hit.reg.read) throw new DeviceError(`read of write-only ${this.name(hit)} (${this.device} +0x${offset.toString(16)})`);
    const word = hit.reg.read(dev, core, hit.index) >>> 0;
    return size === 4 ? word : (word >>> (8 * (offset & 3))) & 0xff;
  }

  write(dev: D, core: number, offset: number, size: number, value: number): void {
    const hit = this.lookup(offset, size, 'write');
    if (!hit.reg.write) throw new DeviceError(`write to read-only ${this.name(hit)} (${this.device} +0x${offset.toString(16)})`);
    let v = value >>> 0;
    if (size === 1) {
      const shift = 8 * (offset & 3);
      const old = hit.reg.read ? hit.reg.read(dev, core, hit.index) : 0;
      v = ((old & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0;
    }
    hit.reg.write(dev, core, v, hit.index);
  }
}

/** a device whose registers show a state the clock drives (the timers) */
export interface Clocked extends TimeSource {
  readonly clock: Clock;
}

/** A timer's register read: its state is first brought up to the present. */
export function readClocked<D extends Clocked>(dev: D, map: RegisterMap<D>, core: number, offset: number, size: number): number {
  dev.advance(dev.clock.now);
  return map.read(dev, core, offset, size);
}

/**
 * A timer's register write, on its state brought up to the present. The
 * write may move the device's next deadline, so the clock's cached turn cap
 * goes; `settle` then applies what the write changed (by default: catch up
 * again, so a deadline the write put in the past fires now).
 */
export function writeClocked<D extends Clocked>(
  dev: D, map: RegisterMap<D>, core: number, offset: number, size: number, value: number,
  settle: () => void = () => dev.advance(dev.clock.now),
): void {
  dev.clock.invalidate();
  dev.advance(dev.clock.now);
  map.write(dev, core, offset, size, value);
  settle();
}
