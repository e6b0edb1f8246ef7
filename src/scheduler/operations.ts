/**
 * The visible operation of each decision, for dynamic partial-order
 * reduction (explore/dpor.ts): what the turn a decision started touched that
 * another core could observe or that another core's turn could change.
 *
 * An operation names *objects*, each read or written:
 * - a shared RAM word (its address): loads, stores, and instruction fetches
 *   (code another core may overwrite is read by running it);
 * - a device (every access is a write: reads of GIC IAR or of the power
 *   controller's status have effects or depend on order): the GIC (CPU
 *   interface and distributor), the power controller, the output device
 *   (UART0 and semihosting as one), the system registers, the SCU;
 * - the event registers: SEV writes them, WFE reads them;
 * - per core, its IRQ line: an SGI writes its targets' lines; a turn that
 *   starts or ends with IRQs unmasked, WFI and IRQ entry read the core's own;
 * - per core, "woken": the operation that ends a core's sleep (SEV, an SGI,
 *   an early wake) writes it and the woken core's next operation reads it;
 *   likewise "powered on" for a core the power controller starts.
 * An operation that ends the run (semihosting exit, a fault, a hazard) is
 * *global*: it conflicts with everything.
 *
 * Two operations of different cores conflict when one writes an object the
 * other reads or writes, or either is global. That is the whole dependency
 * relation DPOR uses; docs/exploration.md states it for users.
 */
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';

export interface Operation {
  /** the core that did it (an early wake's is the woken core) */
  core: number;
  reads: number[];
  writes: number[];
  global?: true;
  /** a repeated poll: the core read the same value at the same PC again, having written nothing (it is spinning) */
  poll?: true;
}

// object numbers: RAM words are multiples of 4, everything else is odd
const object = (kind: number, core = 0, offset = 0) => ((kind << 20) | (core << 16) | offset) * 2 + 1;
const EVENT = object(1);
const OUTPUT = object(2);
const POWER = object(3);
const SYSREGS = object(4);
const SCU = object(5);
const OTHER_DEVICE = object(6);
const irqLine = (core: number) => object(7, core);
const woken = (core: number) => object(8, core);
const poweredOn = (core: number) => object(9, core);
const distributor = (offset: number) => object(10, 0, offset);

/** GICD registers banked per core (ids 0-31): enable, pending, active, priority, targets, config */
function bankedGicd(off: number): boolean {
  return [0x100, 0x180, 0x200, 0x280, 0x300, 0x380].some((b) => off >= b && off < b + 4)
    || (off >= 0x400 && off < 0x420) || (off >= 0x800 && off < 0x820) || (off >= 0xc00 && off < 0xc08);
}

const SYS_EXIT = 0x18;
const SYS_EXIT_EXTENDED = 0x20;

/** WFE and WFI in ARM, Thumb and Thumb-2 (fetched little-endian: either halfword order) */
function sleepKind(size: number, word: number): 'wfe' | 'wfi' | undefined {
  if (size === 2) {
    const h = word & 0xffff;
    return h === 0xbf20 ? 'wfe' : h === 0xbf30 ? 'wfi' : undefined;
  }
  const arm = word & 0x0fffffff;
  if (arm === 0x0320f002 || word === 0x8002f3af || word === 0xf3af8002) return 'wfe';
  if (arm === 0x0320f003 || word === 0x8003f3af || word === 0xf3af8003) return 'wfi';
  return undefined;
}

/** objects that only order (the waker before the woken, the starter before the started): no race on them can be reversed */
export function isEnabling(obj: number): boolean {
  const kind = ((obj - 1) / 2) >> 20;
  return obj % 2 === 1 && (kind === 8 || kind === 9);
}

export function conflicts(a: Operation, b: Operation): boolean {
  if (a.global || b.global) return true;
  for (const o of a.writes) if (b.writes.includes(o) || b.reads.includes(o)) return true;
  for (const o of b.writes) if (a.reads.includes(o)) return true;
  return false;
}

export class OperationRecorder implements MachineObserver {
  private core = -1;
  private readonly reads = new Set<number>();
  private readonly writes = new Set<number>();
  private global = false;
  private readonly pendingWake: boolean[];
  private readonly pendingOn: boolean[];
  private readonly board: Machine['board'];
  /** the open operation wrote a GIC distributor register every core shares */
  private distributorWritten = false;

  constructor(private readonly machine: Machine, private readonly shared: ReadonlySet<number>) {
    const n = machine.cores.length;
    this.pendingWake = new Array<boolean>(n).fill(false);
    this.pendingOn = new Array<boolean>(n).fill(false);
    this.board = machine.board;
  }

  /** forget everything: a new run from reset */
  reset(): void {
    this.core = -1;
    this.reads.clear();
    this.writes.clear();
    this.global = false;
    this.pendingWake.fill(false);
    this.pendingOn.fill(false);
  }

  /** a decision starts an operation of `core` (a turn, or `core`'s early wake) */
  begin(core: number, wake: boolean): void {
    this.core = core;
    this.reads.clear();
    this.writes.clear();
    this.global = false;
    this.distributorWritten = false;
    if (wake) {
      this.writes.add(woken(core));
      return;
    }
    if (this.pendingWake[core]) this.reads.add(woken(core));
    if (this.pendingOn[core]) this.reads.add(poweredOn(core));
    this.pendingWake[core] = false;
    this.pendingOn[core] = false;
    if (!this.machine.cores[core]!.irqMasked) this.reads.add(irqLine(core));
  }

  /**
   * A shared distributor write (enable, SPI state) changes what a core's IRQ
   * line shows only while something is pending for it; when something is
   * (before or after the write), it writes that core's line. What is pending
   * came from SGIs, which read GICD_CTLR: so the order of the two is explored.
   */
  private signalled(): void {
    for (let c = 0; c < this.machine.cores.length; c++) if (this.machine.gic.irqLine(c)) this.writes.add(irqLine(c));
  }

  /** the operation started by the last `begin`, now that its turn is over (undefined before the first) */
  end(): Operation | undefined {
    if (this.core < 0) return undefined;
    if (this.distributorWritten) this.signalled();
    this.distributorWritten = false;
    const c = this.machine.cores[this.core]!;
    if (c.state === 'running' && !c.irqMasked) this.reads.add(irqLine(this.core));
    if (this.machine.ended) this.global = true;
    const op: Operation = { core: this.core, reads: [...this.reads], writes: [...this.writes] };
    if (this.global) op.global = true;
    this.core = -1;
    return op;
  }

  private words(address: number, size: number, into: Set<number>): void {
    for (let w = address & ~3; w < address + size; w += 4) if (this.shared.has(w)) into.add(w);
  }

  fetch(core: number, _step: number, pc: number, size: number, word: number): void {
    if (core !== this.core) return;
    this.words(pc, size, this.reads);
    const s = sleepKind(size, word);
    if (s === 'wfe') this.reads.add(EVENT);
    else if (s === 'wfi') this.reads.add(irqLine(core));
  }

  read(core: number, _step: number, address: number, size: number): void {
    if (core === this.core) this.words(address, size, this.reads);
  }

  write(core: number, _step: number, address: number, size: number): void {
    if (core === this.core) this.words(address, size, this.writes);
  }

  device(core: number, address: number, write: boolean): void {
    if (core !== this.core) return;
    const b = this.board;
    const rw = (obj: number) => (write ? this.writes : this.reads).add(obj);
    if (address >= b.periphBase + 0x1000 && address < b.periphBase + 0x2000) {
      const off = (address - b.periphBase - 0x1000) & ~3;
      if (off === 0xf00) this.reads.add(distributor(0)); // SGIR: forwarded as GICD_CTLR says; the sgi event names the lines it raised
      else if (bankedGicd(off)) {
        // this core's own SGI/PPI state: only pending and active bits are what other cores' SGIs change
        if (!write) this.reads.add(irqLine(core));
        else if (off >= 0x200 && off < 0x400) this.writes.add(irqLine(core));
      } else if (!write) this.reads.add(distributor(off));
      else {
        this.writes.add(distributor(off));
        this.signalled();
        this.distributorWritten = true;
      }
    } else if (address >= b.periphBase + 0x100 && address < b.periphBase + 0x200) {
      // the CPU interface is banked: what other cores change is only what is pending (IAR, HPPIR read it)
      if (!write) this.reads.add(irqLine(core));
    } else if (address >= b.periphBase && address < b.periphBase + 0x100) rw(SCU);
    else if (address >= b.powerCtl && address < b.powerCtl + 0x1000) rw(POWER);
    else if (address >= b.sysregs && address < b.sysregs + 0x1000) rw(SYSREGS);
    else if (address >= b.uart0 && address < b.uart0 + 0x1000) this.writes.add(OUTPUT);
    else this.writes.add(OTHER_DEVICE);
  }

  event(e: MachineEvent): void {
    switch (e.kind) {
      case 'sev': this.writes.add(EVENT); break;
      case 'sgi': for (const t of e.targets) this.writes.add(irqLine(t)); break;
      case 'exception-entry': if (e.exception === 'irq') this.reads.add(irqLine(e.core)); break;
      case 'sleep': this.reads.add(e.how === 'wfe' ? EVENT : irqLine(e.core)); break;
      case 'wake':
        // whoever's operation is open caused it; the woken core's next operation depends on it
        this.writes.add(woken(e.core));
        this.pendingWake[e.core] = true;
        break;
      case 'power':
        this.writes.add(POWER);
        if (e.on) {
          this.writes.add(poweredOn(e.core));
          this.pendingOn[e.core] = true;
        }
        break;
      case 'semihosting':
        this.writes.add(OUTPUT);
        if (e.name === 'SYS_EXIT' || e.name === 'SYS_EXIT_EXTENDED' || e.op === SYS_EXIT || e.op === SYS_EXIT_EXTENDED) this.global = true;
        break;
      case 'console': this.writes.add(OUTPUT); break;
      case 'hazard': this.global = true; break;
      default: break;
    }
  }
}
