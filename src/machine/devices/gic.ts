/**
 * The Cortex-A9 MPCore interrupt controller: a GICv1 distributor (PERIPHBASE
 * + 0x1000) and banked CPU interfaces (PERIPHBASE + 0x100).
 *
 * Modelled as the GIC architecture and the A9 TRM state it: SGI pending state
 * per target *and per source* (IAR reports the source in bits [12:10]); an
 * acknowledged interrupt stays active until EOI and raises the running
 * priority; nothing below PMR or not preempting the running priority is
 * signalled; 5 priority bits implemented (32 levels), as on the A9.
 */
import type { Device, DeviceHost, Register } from './device.js';
import { DeviceError, RegisterMap } from './device.js';

const NIRQ = 64; // ITLinesNumber = 1: SGIs 0-15, PPIs 16-31, SPIs 32-63
const SPURIOUS = 1023;
const PRIO_MASK = 0xf8;
const IDLE = 0x100; // running priority when nothing is active: below everything

interface CpuState {
  ctlr: number;
  pmr: number;
  bpr: number;
  /** banked enable/priority/pending/active for SGIs and PPIs (ids 0-31) */
  enabled: Uint8Array;
  priority: Uint8Array;
  pending: Uint8Array;
  active: Uint8Array;
  /** input line levels of the PPIs (timers drive them) */
  level: Uint8Array;
  /** per SGI id: mask of source CPUs with that SGI pending here */
  sgiSources: Uint8Array;
  /** acknowledged and not yet EOId, innermost last: the running priority is the last one's */
  activeStack: { irq: number; prio: number }[];
}

interface GicState {
  ctlr: number;
  cpus: CpuState[];
  enabled: Uint8Array; // SPIs, indexed by id
  priority: Uint8Array;
  pending: Uint8Array;
  active: Uint8Array;
  targets: Uint8Array;
  config: Uint32Array; // ICFGR words 2.. (SPIs)
  level: Uint8Array; // SPI input lines
}

function freshCpu(): CpuState {
  const enabled = new Uint8Array(32);
  enabled.fill(1, 0, 16); // A9: SGIs are always enabled
  return {
    ctlr: 0, pmr: 0, bpr: 2, enabled, priority: new Uint8Array(32), pending: new Uint8Array(32),
    active: new Uint8Array(32), level: new Uint8Array(32), sgiSources: new Uint8Array(16), activeStack: [],
  };
}

function bits(f: (bit: number) => boolean): number {
  let v = 0;
  for (let b = 0; b < 32; b++) if (f(b)) v |= 1 << b;
  return v >>> 0;
}

export class Gic {
  private s!: GicState;
  readonly stateFields = ['s'];
  /** cached nIRQ per CPU: 1 high, 0 low, -1 unknown */
  readonly lines: Int8Array;
  readonly distributor: Device;
  readonly cpuInterface: Device;

  constructor(readonly ncpu: number, private readonly host: DeviceHost) {
    this.lines = new Int8Array(ncpu).fill(-1);
    this.reset();
    const gic = this;
    // every state change comes through a register access, or reset:
    // they drop the cached nIRQ lines the scheduler asks for between steps
    const wrap = (name: string, size: number, map: RegisterMap<Gic>): Device => ({
      name, size,
      read: (core, off, sz) => { gic.lines.fill(-1); return map.read(gic, core, off, sz); },
      write: (core, off, sz, v) => { gic.lines.fill(-1); map.write(gic, core, off, sz, v); },
      reset: () => gic.reset(),
      registerName: (off) => map.nameAt(off),
      stateFields: [], // the Gic's own state is saved once, not per interface
    });
    this.distributor = wrap('GIC distributor', 0x1000, DISTRIBUTOR);
    this.cpuInterface = wrap('GIC CPU interface', 0x100, CPU_INTERFACE);
  }

  restored(): void {
    this.lines.fill(-1);
  }

  reset(): void {
    this.lines?.fill(-1);
    this.s = {
      ctlr: 0,
      cpus: Array.from({ length: this.ncpu }, freshCpu),
      enabled: new Uint8Array(NIRQ), priority: new Uint8Array(NIRQ), pending: new Uint8Array(NIRQ),
      active: new Uint8Array(NIRQ), targets: new Uint8Array(NIRQ), config: new Uint32Array(NIRQ / 16),
      level: new Uint8Array(NIRQ),
    };
  }


  // ---- per-interrupt state, banked below 32 ----
  private cpu(c: number): CpuState {
    return this.s.cpus[c]!;
  }
  isEnabled(c: number, irq: number): boolean {
    return irq < 32 ? this.cpu(c).enabled[irq] === 1 : this.s.enabled[irq] === 1;
  }
  prio(c: number, irq: number): number {
    return irq < 32 ? this.cpu(c).priority[irq]! : this.s.priority[irq]!;
  }
  isActive(c: number, irq: number): boolean {
    return irq < 32 ? this.cpu(c).active[irq] === 1 : this.s.active[irq] === 1;
  }
  /** a level-sensitive interrupt is pending while its line is high, besides any latched pending state */
  isPending(c: number, irq: number): boolean {
    if (irq < 16) return this.cpu(c).sgiSources[irq] !== 0;
    const level = !this.isEdge(irq);
    if (irq < 32) return this.cpu(c).pending[irq] === 1 || (level && this.cpu(c).level[irq] === 1);
    return (this.s.pending[irq] === 1 || (level && this.s.level[irq] === 1)) && (this.s.targets[irq]! & (1 << c)) !== 0;
  }
  /** ICFGR Int_config[1]: 1 edge-triggered, 0 level-sensitive */
  isEdge(irq: number): boolean {
    return ((this.configWord(irq >>> 4) >>> (2 * (irq & 15) + 1)) & 1) === 1;
  }

  /**
   * A peripheral drives an interrupt input: PPI `irq` of core `c`, or SPI
   * `irq` (c ignored). A rising edge latches pending for an edge-triggered
   * interrupt; a level-sensitive one is pending while the line is high.
   */
  setLine(c: number, irq: number, high: boolean): void {
    const levels = irq < 32 ? this.cpu(c).level : this.s.level;
    const was = levels[irq] === 1;
    if (was === high) return;
    levels[irq] = high ? 1 : 0;
    if (high && this.isEdge(irq)) {
      if (irq < 32) this.cpu(c).pending[irq] = 1;
      else this.s.pending[irq] = 1;
    }
    this.lines.fill(-1);
    this.host.mutated();
  }

  /** highest-priority pending, enabled, inactive interrupt for CPU c (lowest id wins ties) */
  private best(c: number): { irq: number; prio: number } | undefined {
    if (!(this.s.ctlr & 1)) return undefined;
    let bestIrq = -1;
    let bestPrio = IDLE;
    for (let irq = 0; irq < NIRQ; irq++) {
      if (!this.isPending(c, irq) || !this.isEnabled(c, irq) || this.isActive(c, irq)) continue;
      const p = this.prio(c, irq);
      if (p < bestPrio) { bestPrio = p; bestIrq = irq; }
    }
    return bestIrq < 0 ? undefined : { irq: bestIrq, prio: bestPrio };
  }

  private runningPriority(c: number): number {
    const st = this.cpu(c).activeStack;
    return st.length ? st[st.length - 1]!.prio : IDLE;
  }

  private groupMask(c: number): number {
    return (0xff << (this.cpu(c).bpr + 1)) & 0xff;
  }

  /** The nIRQ line to CPU c: what would be acknowledged if it read IAR now. */
  signalled(c: number): { irq: number; prio: number } | undefined {
    const cpu = this.cpu(c);
    if (!(cpu.ctlr & 1)) return undefined;
    const b = this.best(c);
    if (!b || b.prio >= cpu.pmr) return undefined;
    const running = this.runningPriority(c);
    if (running !== IDLE && (b.prio & this.groupMask(c)) >= (running & this.groupMask(c))) return undefined;
    return b;
  }

  irqLine(c: number): boolean {
    let l = this.lines[c]!;
    if (l < 0) this.lines[c] = l = this.signalled(c) === undefined ? 0 : 1;
    return l === 1;
  }

  // ---- register behaviour ----
  acknowledge(c: number): number {
    const b = this.signalled(c);
    if (!b) return SPURIOUS;
    const cpu = this.cpu(c);
    let source = 0;
    if (b.irq < 16) {
      const srcs = cpu.sgiSources[b.irq]!;
      source = 31 - Math.clz32(srcs & -srcs); // lowest source CPU first
      cpu.sgiSources[b.irq] = srcs & ~(1 << source);
      cpu.active[b.irq] = 1;
    } else if (b.irq < 32) {
      cpu.pending[b.irq] = 0;
      cpu.active[b.irq] = 1;
    } else {
      this.s.pending[b.irq] = 0;
      this.s.active[b.irq] = 1;
    }
    cpu.activeStack.push({ irq: b.irq, prio: b.prio });
    this.host.emit({ kind: 'iar', step: this.host.step, core: c, irq: b.irq, source });
    this.host.mutated();
    return (b.irq | (source << 10)) >>> 0;
  }

  endOfInterrupt(c: number, value: number): void {
    const irq = value & 0x3ff;
    const source = (value >> 10) & 7;
    const cpu = this.cpu(c);
    if (irq >= NIRQ || !this.isActive(c, irq)) return; // the architecture ignores EOI of an inactive id
    if (irq < 32) cpu.active[irq] = 0;
    else this.s.active[irq] = 0;
    const at = cpu.activeStack.map((e) => e.irq).lastIndexOf(irq);
    if (at >= 0) cpu.activeStack.splice(at, 1);
    this.host.emit({ kind: 'eoi', step: this.host.step, core: c, irq, source });
    this.host.mutated();
  }

  highestPending(c: number): number {
    const b = this.best(c);
    if (!b) return SPURIOUS;
    if (b.irq >= 16) return b.irq;
    const srcs = this.cpu(c).sgiSources[b.irq]!;
    return (b.irq | ((31 - Math.clz32(srcs & -srcs)) << 10)) >>> 0;
  }

  sendSgi(from: number, value: number): void {
    const id = value & 0xf;
    const filter = (value >>> 24) & 3;
    let targets: number;
    if (filter === 0) targets = (value >>> 16) & 0xff;
    else if (filter === 1) targets = ((1 << this.ncpu) - 1) & ~(1 << from);
    else if (filter === 2) targets = 1 << from;
    else throw new DeviceError(`GICD_SGIR write 0x${(value >>> 0).toString(16)} uses reserved target filter 3`);
    const list: number[] = [];
    for (let t = 0; t < this.ncpu; t++) {
      if (!(targets & (1 << t))) continue;
      const srcs = this.cpu(t).sgiSources;
      srcs[id] = srcs[id]! | (1 << from);
      list.push(t);
    }
    this.host.emit({ kind: 'sgi', step: this.host.step, from, targets: list, id });
    this.host.mutated();
  }

  // ---- banked bit-array registers ----
  bitsRead(c: number, word: number, f: (c: number, irq: number) => boolean): number {
    return bits((b) => word * 32 + b < NIRQ && f(c, word * 32 + b));
  }
  bitsWrite(word: number, value: number, f: (irq: number) => void): void {
    for (let b = 0; b < 32; b++) if (value & (1 << b) && word * 32 + b < NIRQ) f(word * 32 + b);
    this.host.mutated();
  }
  setEnabled(c: number, irq: number, on: boolean): void {
    if (irq < 16) return; // A9: SGIs are always enabled (RAO/WI)
    if (irq < 32) this.cpu(c).enabled[irq] = on ? 1 : 0;
    else this.s.enabled[irq] = on ? 1 : 0;
  }
  setPending(c: number, irq: number, on: boolean): void {
    if (irq < 16) return; // GICv1: SGI pending state only through GICD_SGIR
    if (irq < 32) this.cpu(c).pending[irq] = on ? 1 : 0;
    else this.s.pending[irq] = on ? 1 : 0;
  }
  priorityWord(c: number, word: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) v |= this.prio(c, word * 4 + i) << (8 * i);
    return v >>> 0;
  }
  setPriorityWord(c: number, word: number, value: number): void {
    for (let i = 0; i < 4; i++) {
      const irq = word * 4 + i;
      const p = (value >>> (8 * i)) & PRIO_MASK;
      if (irq < 32) this.cpu(c).priority[irq] = p;
      else this.s.priority[irq] = p;
    }
    this.host.mutated();
  }
  targetsWord(c: number, word: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const irq = word * 4 + i;
      v |= (irq < 32 ? 1 << c : this.s.targets[irq]!) << (8 * i);
    }
    return v >>> 0;
  }
  setTargetsWord(word: number, value: number): void {
    if (word < 8) return; // SGI/PPI targets are read-only: the banked CPU itself
    for (let i = 0; i < 4; i++) this.s.targets[word * 4 + i] = (value >>> (8 * i)) & ((1 << this.ncpu) - 1);
    this.host.mutated();
  }
  configWord(word: number): number {
    if (word === 0) return 0xaaaaaaaa; // SGIs: edge-triggered, read-only
    if (word === 1) return 0x7dc00000; // A9 PPIs: fixed
    return this.s.config[word]!;
  }
  setConfigWord(word: number, value: number): void {
    if (word >= 2) this.s.config[word] = value >>> 0;
  }
  get ctlr(): number {
    return this.s.ctlr;
  }
  set ctlr(v: number) {
    this.s.ctlr = v & 1;
    this.host.mutated();
  }
  cpuReg(c: number): CpuState {
    return this.cpu(c);
  }
  runningPriorityRegister(c: number): number {
    const r = this.runningPriority(c);
    return r === IDLE ? 0xff : r;
  }
}

/** GIC distributor, PERIPHBASE + 0x1000 (GICv1 register names) */
const DISTRIBUTOR = new RegisterMap<Gic>('GIC distributor', [
  { name: 'GICD_CTLR', offset: 0x000, read: (g) => g.ctlr, write: (g, _c, v) => { g.ctlr = v; } },
  { name: 'GICD_TYPER', offset: 0x004, read: (g) => ((g.ncpu - 1) << 5) | (NIRQ / 32 - 1) },
  { name: 'GICD_IIDR', offset: 0x008, read: () => 0x0102043b },
  {
    name: 'GICD_ISENABLER', offset: 0x100, count: NIRQ / 32,
    read: (g, c, i) => g.bitsRead(c, i, (cc, irq) => g.isEnabled(cc, irq)),
    write: (g, c, v, i) => g.bitsWrite(i, v, (irq) => g.setEnabled(c, irq, true)),
  },
  {
    name: 'GICD_ICENABLER', offset: 0x180, count: NIRQ / 32,
    read: (g, c, i) => g.bitsRead(c, i, (cc, irq) => g.isEnabled(cc, irq)),
    write: (g, c, v, i) => g.bitsWrite(i, v, (irq) => g.setEnabled(c, irq, false)),
  },
  {
    name: 'GICD_ISPENDR', offset: 0x200, count: NIRQ / 32,
    read: (g, c, i) => g.bitsRead(c, i, (cc, irq) => g.isPending(cc, irq)),
    write: (g, c, v, i) => g.bitsWrite(i, v, (irq) => g.setPending(c, irq, true)),
  },
  {
    name: 'GICD_ICPENDR', offset: 0x280, count: NIRQ / 32,
    read: (g, c, i) => g.bitsRead(c, i, (cc, irq) => g.isPending(cc, irq)),
    write: (g, c, v, i) => g.bitsWrite(i, v, (irq) => g.setPending(c, irq, false)),
  },
  // GICv1 "active bit" registers are read-only
  { name: 'GICD_ISACTIVER', offset: 0x300, count: NIRQ / 32, read: (g, c, i) => g.bitsRead(c, i, (cc, irq) => g.isActive(cc, irq)) },
  {
    name: 'GICD_IPRIORITYR', offset: 0x400, count: NIRQ / 4, bytes: true,
    read: (g, c, i) => g.priorityWord(c, i), write: (g, c, v, i) => g.setPriorityWord(c, i, v),
  },
  {
    name: 'GICD_ITARGETSR', offset: 0x800, count: NIRQ / 4, bytes: true,
    read: (g, c, i) => g.targetsWord(c, i), write: (g, _c, v, i) => g.setTargetsWord(i, v),
  },
  {
    name: 'GICD_ICFGR', offset: 0xc00, count: NIRQ / 16,
    read: (g, _c, i) => g.configWord(i), write: (g, _c, v, i) => g.setConfigWord(i, v),
  },
  { name: 'GICD_SGIR', offset: 0xf00, write: (g, c, v) => g.sendSgi(c, v) },
]);

/** GIC CPU interface, PERIPHBASE + 0x100, banked per core */
const CPU_INTERFACE = new RegisterMap<Gic>('GIC CPU interface', [
  { name: 'GICC_CTLR', offset: 0x00, read: (g, c) => g.cpuReg(c).ctlr, write: (g, c, v) => { g.cpuReg(c).ctlr = v & 1; } },
  { name: 'GICC_PMR', offset: 0x04, read: (g, c) => g.cpuReg(c).pmr, write: (g, c, v) => { g.cpuReg(c).pmr = v & PRIO_MASK; } },
  { name: 'GICC_BPR', offset: 0x08, read: (g, c) => g.cpuReg(c).bpr, write: (g, c, v) => { g.cpuReg(c).bpr = Math.max(2, v & 7); } },
  { name: 'GICC_IAR', offset: 0x0c, read: (g, c) => g.acknowledge(c) },
  { name: 'GICC_EOIR', offset: 0x10, write: (g, c, v) => g.endOfInterrupt(c, v) },
  { name: 'GICC_RPR', offset: 0x14, read: (g, c) => g.runningPriorityRegister(c) },
  { name: 'GICC_HPPIR', offset: 0x18, read: (g, c) => g.highestPending(c) },
  { name: 'GICC_IIDR', offset: 0xfc, read: () => 0x3901243b },
]);
