/**
 * One Cortex-A9 core: a Unicorn engine plus what Unicorn does not model for a
 * multi-core board — per-core MPIDR, the event register and WFE/WFI sleep,
 * exception entry from outside (IRQ, SVC) — done here as the ARM ARM states it.
 */
import type { Bus } from './bus.js';
import { type NativeContext, NativeCore, UC } from './native.js';

export type CoreState = 'running' | 'wfe' | 'wfi' | 'halted' | 'off';

const CPSR_T = 1 << 5;
const CPSR_I = 1 << 7;
const CPSR_A = 1 << 8;
const CPSR_IT = 0x0600fc00; // IT[1:0] at 26:25, IT[7:2] at 15:10
const SCTLR_V = 1 << 13;
const SCTLR_TE = 1 << 30;

/** Cortex-A9 MPCore MPIDR: multiprocessor format (bit 31), CPU id in [1:0] */
export const mpidrOf = (id: number) => (0x80000000 | id) >>> 0;

export type ExceptionKind = 'undef' | 'svc' | 'pabt' | 'dabt' | 'irq';

/**
 * Exception entry per kind (ARM ARM B1.8.3, B1.9): target mode, vector
 * offset, LR = preferred return address + offset (ARM, Thumb), and what is
 * masked besides I. FIQ is absent: nothing on the board drives it.
 */
const ENTRY: Record<ExceptionKind, { mode: number; vector: number; lrArm: number; lrThumb: number; maskA: boolean }> = {
  undef: { mode: 0x1b, vector: 0x04, lrArm: 4, lrThumb: 2, maskA: false },
  svc: { mode: 0x13, vector: 0x08, lrArm: 0, lrThumb: 0, maskA: false }, // preferred return: the next instruction
  pabt: { mode: 0x17, vector: 0x0c, lrArm: 4, lrThumb: 4, maskA: true },
  dabt: { mode: 0x17, vector: 0x10, lrArm: 8, lrThumb: 8, maskA: true },
  irq: { mode: 0x12, vector: 0x18, lrArm: 4, lrThumb: 4, maskA: true },
};

export interface Exception {
  kind: ExceptionKind;
  from: number;
  vector: number;
}

export class Core {
  private engine: NativeCore;
  state: CoreState = 'running';
  /** the event register WFE consumes and SEV sets */
  event = false;
  /** cached after every native run and every change made here */
  pc = 0;
  cpsr = 0;
  /** besides the engine's context, which machine snapshots save natively */
  readonly stateFields = ['state', 'event'];

  constructor(readonly id: number, bus: Bus) {
    this.engine = this.open(bus);
    this.refresh();
  }

  private open(bus: Bus): NativeCore {
    const engine = new NativeCore(bus.native, this.id, () => `pc 0x${this.pc.toString(16).padStart(8, '0')}`);
    bus.attach(engine);
    return engine;
  }

  get native(): NativeCore {
    return this.engine;
  }

  /**
   * Replaces the engine with a fresh one (registers as `context` has them).
   * Unicorn 2.0.1 never gives back the translation buffer space of removed
   * blocks, so an engine that has retranslated a lot is reopened between
   * runs: memory stays flat however many schedules run.
   */
  reopen(bus: Bus, context: NativeContext): void {
    this.engine.close();
    this.engine = this.open(bus);
    this.engine.restoreContext(context);
    this.refresh();
  }

  get thumb(): boolean {
    return (this.cpsr & CPSR_T) !== 0;
  }
  get irqMasked(): boolean {
    return (this.cpsr & CPSR_I) !== 0;
  }
  get live(): boolean {
    return this.state !== 'halted' && this.state !== 'off';
  }

  refresh(): void {
    this.pc = this.native.readReg(UC.REG_PC);
    this.cpsr = this.native.readReg(UC.REG_CPSR);
  }

  reg(n: number): number {
    if (n === 13) return this.native.readReg(UC.REG_SP);
    if (n === 14) return this.native.readReg(UC.REG_LR);
    if (n === 15) return this.pc;
    return this.native.readReg(UC.REG_R0 + n);
  }

  setReg(n: number, value: number): void {
    if (n === 13) this.native.writeReg(UC.REG_SP, value);
    else if (n === 14) this.native.writeReg(UC.REG_LR, value);
    else if (n < 13) this.native.writeReg(UC.REG_R0 + n, value);
    else throw new Error(`core ${this.id}: setReg(${n})`);
  }

  /** Start (or restart) at an address; bit 0 selects Thumb, as for BX. */
  jump(address: number): void {
    const thumb = (address & 1) === 1;
    const cpsr = thumb ? this.cpsr | CPSR_T : this.cpsr & ~CPSR_T;
    if (cpsr !== this.cpsr) this.setCpsr(cpsr);
    // Unicorn takes the Thumb state from bit 0 of a PC write
    this.native.writeReg(UC.REG_PC, address >>> 0);
    this.pc = (address & ~1) >>> 0;
  }

  setCpsr(value: number): void {
    this.native.writeReg(UC.REG_CPSR, value >>> 0);
    this.cpsr = this.native.readReg(UC.REG_CPSR);
  }

  /** the condition an instruction at pc executes under: ARM cond field, or Thumb ITSTATE */
  conditionPassed(armWord: number): boolean {
    let cond: number;
    if (this.thumb) {
      const it = ((this.cpsr >>> 25) & 3) | ((this.cpsr >>> 8) & 0xfc);
      if ((it & 0xf) === 0) return true;
      cond = it >>> 4;
    } else {
      cond = armWord >>> 28;
    }
    return conditionHolds(cond, this.cpsr);
  }

  /** Retire a trapped instruction of `size` bytes: advance PC and ITSTATE. */
  retire(size: number): void {
    if (this.thumb && (this.cpsr & CPSR_IT)) {
      let it = ((this.cpsr >>> 25) & 3) | ((this.cpsr >>> 8) & 0xfc);
      it = (it & 7) === 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);
      this.setCpsr((this.cpsr & ~CPSR_IT) | ((it & 3) << 25) | ((it & 0xfc) << 8));
    }
    this.jump((this.pc + size) | (this.thumb ? 1 : 0));
  }

  /** where exception `kind` would enter: VBAR (or the high vectors with SCTLR.V) + its offset; bit 0 set for Thumb (SCTLR.TE) */
  vectorOf(kind: ExceptionKind): number {
    const sctlr = this.native.readCp15(1, 0, 0, 0);
    const vbar = sctlr & SCTLR_V ? 0xffff0000 : this.native.readCp15(12, 0, 0, 0);
    return ((vbar + ENTRY[kind].vector) | (sctlr & SCTLR_TE ? 1 : 0)) >>> 0;
  }

  /**
   * Exception entry (ARM ARM B1.8): bank switch, SPSR, LR, I (and A for
   * aborts and IRQ) set, F kept, IT cleared, Thumb per SCTLR.TE, PC to the
   * vector. `preferred` is the preferred return address.
   */
  takeException(kind: ExceptionKind, preferred: number): Exception {
    const e = ENTRY[kind];
    const vector = this.vectorOf(kind);
    const old = this.cpsr;
    const from = this.pc;
    let cpsr = (old & ~(0x1f | CPSR_T | CPSR_IT)) | e.mode | CPSR_I;
    if (e.maskA) cpsr |= CPSR_A;
    if (vector & 1) cpsr |= CPSR_T;
    this.setCpsr(cpsr);
    this.native.writeReg(UC.REG_SPSR, old);
    this.native.writeReg(UC.REG_LR, preferred + (old & CPSR_T ? e.lrThumb : e.lrArm));
    this.jump(vector);
    return { kind, from, vector: (vector & ~1) >>> 0 };
  }

  close(): void {
    this.native.close();
  }
}

export function conditionHolds(cond: number, cpsr: number): boolean {
  const n = (cpsr >>> 31) & 1;
  const z = (cpsr >>> 30) & 1;
  const c = (cpsr >>> 29) & 1;
  const v = (cpsr >>> 28) & 1;
  let r: boolean;
  switch (cond >>> 1) {
    case 0: r = z === 1; break;
    case 1: r = c === 1; break;
    case 2: r = n === 1; break;
    case 3: r = v === 1; break;
    case 4: r = c === 1 && z === 0; break;
    case 5: r = n === v; break;
    case 6: r = z === 0 && n === v; break;
    default: return true; // AL (and the unconditional space, never trapped)
  }
  return cond & 1 ? !r : r;
}
