/**
 * The machine's one event stream. Detectors, traces and reports subscribe;
 * the core loop never knows who listens. The per-instruction events (fetch,
 * read, write) are delivered as method calls with plain numbers so that they
 * cost nothing when no one subscribes (the native stepper does not even log
 * them then) and little when someone does.
 */
export type MachineEvent =
  | { kind: 'switch'; step: number; from: number; to: number }
  | { kind: 'sgi'; step: number; from: number; targets: number[]; id: number }
  | { kind: 'iar'; step: number; core: number; irq: number; source: number }
  | { kind: 'eoi'; step: number; core: number; irq: number; source: number }
  | { kind: 'exception-entry'; step: number; core: number; exception: 'undef' | 'svc' | 'pabt' | 'dabt' | 'irq'; /** where it was taken: the interrupted or the excepting instruction */ pc: number; vector: number }
  | { kind: 'exception-return'; step: number; core: number; pc: number }
  | { kind: 'sleep'; step: number; core: number; how: 'wfe' | 'wfi' }
  | { kind: 'wake'; step: number; core: number; how: 'wfe' | 'wfi'; why: 'event' | 'irq' | 'early' }
  | { kind: 'sev'; step: number; core: number }
  | { kind: 'semihosting'; step: number; core: number; op: number; name: string }
  | { kind: 'console'; step: number; core: number; byte: number }
  | { kind: 'power'; step: number; core: number; on: boolean }
  /** --memory relaxed: core's buffered store number `store` (made at `pc`) became visible to the other cores */
  | { kind: 'visible'; step: number; core: number; store: number; address: number; size: number; value: number; pc: number; cached?: boolean }
  | { kind: 'hazard'; step: number; hazard: Hazard };

export interface CoreRef {
  core: number;
  pc: number;
  symbol: string;
}

export interface Hazard {
  kind: 'clobber' | 'stale-code';
  step: number;
  /** the core that wrote the bytes (clobber: over another core's code; stale-code: code that is then fetched) */
  writer: CoreRef;
  /** clobber: the core whose fetched code was overwritten; stale-code: same core */
  victim: CoreRef;
  address: number;
  /** the instruction at `address` before the write (clobber) or the bytes fetched (stale) */
  instruction?: string;
  detail?: string;
}

export interface MachineObserver {
  /** core retired the instruction at pc (size 2 or 4 bytes, `word` as fetched, little-endian) as global step `step` */
  fetch?(core: number, step: number, pc: number, size: number, word: number): void;
  /** RAM reads and writes, in program order, before the write lands */
  read?(core: number, step: number, address: number, size: number, value: number): void;
  write?(core: number, step: number, address: number, size: number, value: number): void;
  /** after the instruction at `step`: register `reg` (index into native.ts TRACED_REGS) now holds `value` */
  register?(core: number, step: number, reg: number, value: number): void;
  /** a device register access (before the device acts), in order with the RAM accesses around it */
  device?(core: number, address: number, write: boolean): void;
  /** the same access as the device took it (a read: with the value it returned), and its region (`gic`, `uart0`, …) */
  deviceData?(core: number, write: boolean, address: number, size: number, value: number, region: string): void;
  event?(e: MachineEvent): void;
}

export class EventStream {
  private fetchers: MachineObserver[] = [];
  private readers: MachineObserver[] = [];
  private writers: MachineObserver[] = [];
  private devices: MachineObserver[] = [];
  private deviceData: MachineObserver[] = [];
  private listeners: MachineObserver[] = [];
  private registers: MachineObserver[] = [];

  subscribe(o: MachineObserver): () => void {
    if (o.fetch) this.fetchers.push(o);
    if (o.read) this.readers.push(o);
    if (o.write) this.writers.push(o);
    if (o.device) this.devices.push(o);
    if (o.deviceData) this.deviceData.push(o);
    if (o.event) this.listeners.push(o);
    if (o.register) this.registers.push(o);
    return () => {
      this.registers = this.registers.filter((x) => x !== o);
      this.fetchers = this.fetchers.filter((x) => x !== o);
      this.readers = this.readers.filter((x) => x !== o);
      this.writers = this.writers.filter((x) => x !== o);
      this.devices = this.devices.filter((x) => x !== o);
      this.deviceData = this.deviceData.filter((x) => x !== o);
      this.listeners = this.listeners.filter((x) => x !== o);
    };
  }

  get wantsFetch(): boolean {
    return this.fetchers.length > 0 || this.readers.length > 0 || this.writers.length > 0 || this.registers.length > 0;
  }
  /** register deltas cost a register dump per instruction in the stepper: only traces ask */
  get wantsRegisters(): boolean {
    return this.registers.length > 0;
  }
  get wantsAccess(): boolean {
    return this.readers.length > 0 || this.writers.length > 0;
  }
  get wantsEvents(): boolean {
    return this.listeners.length > 0;
  }

  // the per-instruction dispatch loops by index: a for-of's iterator protocol is
  // several times the bytecode, and that kept these from being inlined into the
  // loop that reads the stepper's log (turn.ts drainLog)
  fetch(core: number, step: number, pc: number, size: number, word: number): void {
    const os = this.fetchers;
    for (let i = 0; i < os.length; i++) os[i]!.fetch!(core, step, pc, size, word);
  }
  read(core: number, step: number, address: number, size: number, value: number): void {
    const os = this.readers;
    for (let i = 0; i < os.length; i++) os[i]!.read!(core, step, address, size, value);
  }
  write(core: number, step: number, address: number, size: number, value: number): void {
    const os = this.writers;
    for (let i = 0; i < os.length; i++) os[i]!.write!(core, step, address, size, value);
  }
  register(core: number, step: number, reg: number, value: number): void {
    const os = this.registers;
    for (let i = 0; i < os.length; i++) os[i]!.register!(core, step, reg, value);
  }
  device(core: number, address: number, write: boolean): void {
    for (const o of this.devices) o.device!(core, address, write);
  }
  deviceAccess(core: number, write: boolean, address: number, size: number, value: number, region: string): void {
    for (const o of this.deviceData) o.deviceData!(core, write, address, size, value, region);
  }
  emit(e: MachineEvent): void {
    for (const o of this.listeners) o.event!(e);
  }
}
