/**
 * One core's turn: the native stepper runs it, and this module makes sense of
 * what comes back. It is the only TypeScript that knows the stepper's output
 * layout (`Out`, the access log, stop reasons and traps), and it executes the
 * instructions the engine must not (MRC MPIDR, WFE, WFI, SEV, YIELD, SVC) as
 * the ARM ARM says.
 *
 * A turn ends at its budget, at a stop the caller asked for (the first
 * visible operation, a given address), or when the run ends; IRQs that became
 * deliverable are taken between native runs, before the next instruction.
 */
import { hex } from '../format.js';
import { isExceptionReturn } from './arm.js';
import type { Core, ExceptionKind } from './core.js';
import { mpidrOf } from './core.js';
import { DeviceError } from './devices/device.js';
import { Semihosting } from './devices/semihosting.js';
import type { Machine } from './machine.js';
import type { Poll } from './waiting.js';
import { LogEv, Out, RunFlag, Stop, Trap, UC, ucStrerror } from './native.js';
import { Rotation } from './rotation.js';

/** QEMU's exception number for BKPT, as Unicorn 2.0.1 hands it to UC_HOOK_INTR */
const EXCP_BKPT = 7;

/** a native run in progress: its core, and how far its log has been delivered */
export interface InRun {
  id: number;
  /** log words delivered so far */
  drained: number;
  /** instructions delivered so far */
  fetched: number;
  deviceWrites: number;
  deviceRead: { address: number; value: number } | undefined;
}

export class TurnRunner {
  /** the native run in progress (a rotation sets it for the turn a device callback comes from) */
  inRun: InRun | undefined;
  /** per core, the record a run in progress fills: reused, since lockstep makes a native run per step */
  private readonly runs: InRun[];
  /** per core: every 16th turn takes a state hash (livelock) */
  readonly hashTick: number[];
  /** per core: exceptions entered and not yet returned from */
  private readonly handlerDepth: number[];
  private readonly semihosting: Semihosting;
  /** between native runs (when snapshots are taken) inRun is undefined */
  readonly stateFields = ['hashTick', 'handlerDepth'];
  private readonly rotation: Rotation;

  constructor(private readonly m: Machine) {
    this.hashTick = m.cores.map(() => 0);
    this.handlerDepth = m.cores.map(() => 0);
    this.runs = m.cores.map((_, id) => ({ id, drained: 0, fetched: 0, deviceWrites: 0, deviceRead: undefined }));
    this.rotation = new Rotation(m, this);
    // semihosting runs from the SVC trap, after the SVC's step was counted
    this.semihosting = new Semihosting(m.bus, (core, byte) => m.print(core, byte, m.steps - 1));
    m.bus.beforeDeviceAccess = (core, write, address) => {
      if (this.rotation.active) this.rotation.catchUp();
      this.drainLog(core);
      // a hazard in what was just delivered ends the run: a rotation starts no further turn
      if (this.rotation.active && m.ended) this.rotation.halt();
      if (write && this.inRun?.id === core) this.inRun.deviceWrites++;
      if (write && m.memory.relaxed) {
        // the engine has the PC of the accessing instruction in an MMIO callback
        const reg = m.bus.deviceRegister(address);
        const effect = reg === 'GICD_SGIR' ? 'the SGI it raises' : 'its effect on the device';
        const pc = m.cores[core]!.native.readReg(UC.REG_PC);
        m.memory.noteAhead(core, `the write to ${reg} at ${m.symbolize(pc)}`, `orders the register write, not ${effect}`);
      }
    };
    m.bus.afterDeviceRead = (core, address, value) => {
      if (this.inRun?.id === core) this.inRun.deviceRead = { address, value };
    };
  }

  reset(): void {
    this.hashTick.fill(0);
    this.handlerDepth.fill(0);
  }

  /** a core came out of reset: it is inside no handler */
  powerOn(id: number): void {
    this.handlerDepth[id] = 0;
  }

  /** instructions the native run in progress has retired so far (undefined between runs) */
  get retiredInRun(): number | undefined {
    const r = this.inRun;
    return r ? this.m.cores[r.id]!.native.out[Out.Retired]! : undefined;
  }

  /** the core whose native run is in progress */
  get runningCore(): number | undefined {
    return this.inRun?.id;
  }

  /**
   * Run core `id` for at most `budget` steps. With `untilVisible`, stop after
   * the first instruction another core could observe (a shared-word access,
   * a device access, SEV/WFE/WFI, semihosting). Returns steps retired.
   */
  run(id: number, budget: number, untilVisible: boolean, until?: number, resumedHash?: number): number {
    const m = this.m;
    const core = m.cores[id]!;
    const logFetch = m.events.wantsFetch;
    const flags = this.logFlags() | (untilVisible ? RunFlag.StopShared : 0);
    let done = 0;
    // a rotation (rotate) made this turn's first native run: its results are in out[] already
    let resumed = resumedHash;
    // (the resumed run ran while the turn was still on: the core may be off or the run ended since)
    while (resumed !== undefined || (done < budget && core.state === 'running' && !m.ended)) {
      const n = core.native;
      const run = this.runs[id]!;
      let hash: number;
      if (resumed !== undefined) {
        hash = resumed;
        resumed = undefined;
        if (logFetch) this.deliver(run, id);
      } else {
        // timer events due now become pending before the next instruction, whoever runs
        if (m.clock.fireDue()) {
          m.waiting.wakeSleepers();
          if (m.ended) break;
        }
        if (m.gic.irqLine(id) && !core.irqMasked && !this.enter(core, 'irq', core.pc, m.steps)) break;
        // stop the native run where the next timer event is due, so it fires at its exact cycle
        const next = m.clock.nextEvent();
        const slice = next === Infinity ? budget - done : Math.max(1, Math.min(budget - done, next - m.clock.now));
        const watch = m.gic.irqLine(id) && core.irqMasked ? RunFlag.IrqWatch : 0;
        // the whole-state hash (livelock) costs a register dump: take it at visible
        // stops and every 16th turn of a core, which any loop still comes back to
        hash = untilVisible || (this.hashTick[id] = (this.hashTick[id]! + 1) & 15) === 0 ? RunFlag.Hash : 0;
        this.inRun = this.resetRun(id);
        try {
          n.run(slice, flags | watch | hash, until === undefined ? 1 : until);
          if (logFetch) this.drainLog(id);
        } finally {
          this.inRun = undefined;
        }
      }
      const o = n.out;
      const retired = o[Out.Retired]!;
      core.pc = o[Out.Pc]!;
      core.cpsr = o[Out.Cpsr]!;
      m.noteCutPc(id, core.pc);
      m.steps += retired;
      m.memory.ran(id);
      done += retired;
      const reason = o[Out.Reason]!;
      if (retired) {
        const read = untilVisible ? this.pollRead(o, run.deviceRead) : undefined;
        m.waiting.note(id, o[Out.SeenWrites]! > 0 || run.deviceWrites > 0, read, hash ? o[Out.HashHi]! * 0x100000000 + o[Out.HashLo]! : undefined);
      }
      if (m.raiseDeviceFault()) break;
      if (reason === Stop.Error) {
        const what = this.describeError(core, o);
        if (o[Out.Err] !== UC.ERR_INSN_INVALID) {
          m.fault(id, what); // unmapped memory: QEMU reads zero there, penlab keeps it a fault (docs/board.md)
          break;
        }
        if (!this.synchronous(core, 'undef', what)) break;
        continue;
      }
      if (reason === Stop.Intr) {
        const intno = o[Out.Intno]!;
        const at = `at ${hex(core.pc)} (${m.symbolize(core.pc)})`;
        // QEMU's EXCP_BKPT: a BKPT instruction, a debug event taken as a prefetch abort (IFSR.FS = 0b00010)
        if (intno !== EXCP_BKPT) {
          m.fault(id, `unexpected exception ${intno} from the engine ${at}`);
          break;
        }
        if (!this.synchronous(core, 'pabt', `breakpoint (BKPT) ${at}`, { ifsr: 0x2 })) break;
        continue;
      }
      if (reason === Stop.Align) {
        const address = o[Out.FaultAddr]!;
        const write = o[Out.FaultWrite] === 1;
        const what = `alignment fault: ${write ? 'write to' : 'read of'} ${hex(address)} with SCTLR.A set at ${hex(core.pc)} (${m.symbolize(core.pc)})`;
        // DFSR: short-descriptor FS = 0b00001 (alignment), WnR in bit 11
        if (!this.synchronous(core, 'dabt', what, { dfsr: 0x1 | (write ? 1 << 11 : 0), dfar: address })) break;
        continue;
      }
      // a device access or SEV may wake a sleeper: wake it now, at this step, not when
      // the scheduler next looks (which depends on how turns were cut)
      if (reason === Stop.Mmio) m.waiting.wakeSleepers();
      if (reason === Stop.Memory) {
        // before a barrier, a clean, or with the buffer nearly full (nothing retired)
        if (!m.memory.stopped(id, o[Out.MemOp]!, o[Out.MemArg]!)) break;
        continue;
      }
      if (reason === Stop.Trap) {
        const visible = this.executeTrap(core, o[Out.Trap]!, o[Out.TrapWord]!, o[Out.TrapSize]!);
        done++;
        if (m.raiseDeviceFault()) break;
        m.waiting.wakeSleepers();
        if (visible && untilVisible) break;
      } else if ((reason === Stop.Shared || reason === Stop.Mmio) && untilVisible) {
        break;
      } else if (reason === Stop.Until) {
        break;
      }
    }
    m.retired[id] = m.retired[id]! + done;
    return done;
  }

  /**
   * Round-robin turns of `quantum` steps over the cores in `ready` (a bit per
   * id) after `last`, run back to back in the stepper (rotation.ts); each is
   * handed to `onTurn` with its steps. Returns how many ran.
   */
  rotate(ready: number, last: number | undefined, quantum: number, maxSteps: number, onTurn: (core: number, steps: number) => void): number {
    return this.rotation.run(ready, last, quantum, maxSteps, onTurn);
  }

  /** what the stepper logs for the observers subscribed now */
  logFlags(): number {
    const ev = this.m.events;
    return (ev.wantsFetch ? RunFlag.LogFetch : 0) | (ev.wantsAccess ? RunFlag.LogAccess : 0) | (ev.wantsRegisters ? RunFlag.LogRegs : 0);
  }

  /** core `id`'s run record as it stands */
  runOf(id: number): InRun {
    return this.runs[id]!;
  }

  /** core `id`'s run record, counting from nothing, its log delivered up to `drained` */
  resetRun(id: number, drained = 0): InRun {
    const run = this.runs[id]!;
    run.fetched = run.deviceWrites = 0;
    run.drained = drained;
    run.deviceRead = undefined;
    return run;
  }

  /** the read a visible turn ended at, if it ended at one: RAM (re-checkable) or a device register (epoch-bound) */
  private pollRead(o: Uint32Array, deviceRead: { address: number; value: number } | undefined): Poll | undefined {
    const epoch = this.m.waiting.epoch;
    const reason = o[Out.Reason]!;
    if (reason === Stop.Shared && o[Out.LastWrite] === 0) {
      return { address: o[Out.LastAddr]!, size: o[Out.LastSize]!, value: o[Out.LastValue]!, epoch };
    }
    if (reason === Stop.Mmio && deviceRead) return { address: deviceRead.address, size: 0, value: deviceRead.value, epoch };
    return undefined;
  }

  /**
   * An undefined instruction or abort at the core's PC: entered through the
   * firmware's vector, or (with --fault-on-exception) the end of the run.
   * Returns whether the core goes on.
   */
  private synchronous(core: Core, kind: ExceptionKind, what: string, status: { ifsr?: number; dfsr?: number; dfar?: number } = {}): boolean {
    if (this.m.options.faultOnException) {
      this.m.fault(core.id, what);
      return false;
    }
    if (!this.usableVector(core, kind, what)) return false;
    // fault status and address registers, as the abort sets them (B4.1.52, B4.1.96)
    if (status.dfsr !== undefined) core.native.writeCp15(5, 0, 0, 0, status.dfsr);
    if (status.dfar !== undefined) core.native.writeCp15(6, 0, 0, 0, status.dfar);
    if (status.ifsr !== undefined) core.native.writeCp15(5, 0, 0, 1, status.ifsr);
    return this.enter(core, kind, core.pc, this.m.steps);
  }

  /**
   * A vector is usable when it lies in RAM and its word is not zero: the
   * ELF loaded it or the firmware wrote it (RAM nobody wrote reads zero,
   * and a zero word would slide through whatever follows).
   */
  private usableVector(core: Core, kind: ExceptionKind, what: string): boolean {
    const vector = (core.vectorOf(kind) & ~1) >>> 0;
    const bus = this.m.bus;
    const why = !bus.isRam(vector, 4) ? 'is not RAM' : bus.readU32(vector) === 0 ? 'was never written (it reads 0)' : undefined;
    if (why) this.m.fault(core.id, `${what}: no usable ${kind} vector, ${hex(vector)} ${why}`);
    return why === undefined;
  }

  /** exception entry from outside the engine, in the event stream; false if there is no usable vector */
  private enter(core: Core, kind: ExceptionKind, preferred: number, step: number): boolean {
    if (kind === 'irq' || kind === 'svc') {
      if (!this.usableVector(core, kind, kind === 'irq' ? `IRQ at ${hex(core.pc)}` : `SVC at ${hex(core.pc)}`)) return false;
    }
    const e = core.takeException(kind, preferred);
    this.handlerDepth[core.id]!++;
    this.m.emit({ kind: 'exception-entry', step, core: core.id, exception: kind, pc: e.from, vector: e.vector });
    return true;
  }

  /** delivers `run`'s log of core `id` up to `len` words (a rotation's turn) */
  deliver(run: InRun, id: number, len?: number): void {
    this.inRun = run;
    try {
      this.drainLog(id, len);
    } finally {
      this.inRun = undefined;
    }
  }

  /** Delivers the log of the native run in progress, up to where it has got. */
  private drainLog(id: number, len = this.m.cores[id]!.native.out[Out.LogLen]!): void {
    const r = this.inRun;
    const m = this.m;
    if (!r || r.id !== id || !m.events.wantsFetch) return;
    const log = m.cores[id]!.native.log;
    const ev = m.events;
    let step = m.steps + r.fetched - 1;
    for (let i = r.drained; i < len; i += 3) {
      const kind = log[i]! & 0xff;
      const size = log[i]! >>> 8;
      if (kind === LogEv.Fetch) {
        if (m.isCut(id, step + 1)) {
          // the run is cut at a hazard: what the core did after it is not reported to anyone
          m.noteCutPc(id, log[i + 1]!);
          break;
        }
        ev.fetch(id, ++step, log[i + 1]!, size, log[i + 2]!);
        r.fetched++;
        // only while inside a handler: the one place a return can be
        if (this.handlerDepth[id]! > 0 && size === 4 && isExceptionReturn(log[i + 2]!)) {
          this.handlerDepth[id]!--;
          ev.emit({ kind: 'exception-return', step, core: id, pc: log[i + 1]! });
        }
      }
      else if (kind === LogEv.Write) ev.write(id, step, log[i + 1]!, size, log[i + 2]!);
      else if (kind === LogEv.Reg) ev.register(id, step, size, log[i + 2]!);
      else ev.read(id, step, log[i + 1]!, size, log[i + 2]!);
    }
    r.drained = len;
  }

  private describeError(core: Core, o: Uint32Array): string {
    const err = o[Out.Err]!;
    const at = `${hex(core.pc)} (${this.m.symbolize(core.pc)})`;
    if (err === UC.ERR_INSN_INVALID) {
      const word = core.thumb ? this.m.bus.readU16(core.pc) : this.m.bus.readU32(core.pc);
      return `undefined instruction 0x${word.toString(16)} at ${at}`;
    }
    const bad = o[Out.BadType] ? ` address ${hex(o[Out.BadAddr]!)}` : '';
    return `${ucStrerror(err)}${bad} at ${at}`;
  }

  /** Execute an instruction the engine must not. Returns whether another core could see it. */
  private executeTrap(core: Core, trap: number, word: number, size: number): boolean {
    const m = this.m;
    const step = m.steps;
    if (m.events.wantsFetch) m.events.fetch(core.id, step, core.pc, size, word);
    m.steps++;
    if (!core.conditionPassed(word)) {
      core.retire(size);
      return false;
    }
    switch (trap) {
      case Trap.Mpidr: {
        const rt = core.thumb ? (word >>> 28) & 0xf : (word >>> 12) & 0xf;
        if (rt === 15) { m.fault(core.id, `MRC MPIDR to r15 at ${hex(core.pc)} is unpredictable`); return false; }
        core.setReg(rt, mpidrOf(core.id));
        if (m.events.wantsRegisters) m.events.register(core.id, step, rt, mpidrOf(core.id));
        core.retire(size);
        return false;
      }
      case Trap.Sev:
        if (m.memory.relaxed) m.memory.noteAhead(core.id, `SEV at ${m.symbolize(core.pc)}`, 'orders memory accesses only');
        for (const c of m.cores) if (c.live) c.event = true;
        m.emit({ kind: 'sev', step, core: core.id });
        core.retire(size);
        m.mutated();
        return true;
      case Trap.Wfe:
        core.retire(size);
        if (core.event) {
          core.event = false; // a set event register is consumed, no sleep
          return false;
        }
        core.state = 'wfe';
        m.emit({ kind: 'sleep', step, core: core.id, how: 'wfe' });
        return true;
      case Trap.Wfi:
        core.retire(size);
        if (m.gic.irqLine(core.id)) return false;
        core.state = 'wfi';
        m.emit({ kind: 'sleep', step, core: core.id, how: 'wfi' });
        return true;
      case Trap.Svc:
        return this.svc(core, word, size);
      case Trap.Cp15: {
        const err = m.memory.cp15(core, word);
        if (err) { m.fault(core.id, err); return false; }
        // an MRC (L bit) wrote Rt in TypeScript, where the stepper sees no delta
        if (m.events.wantsRegisters && ((core.thumb ? word >>> 4 : word >>> 20) & 1) === 1) {
          const rt = core.thumb ? (word >>> 28) & 0xf : (word >>> 12) & 0xf;
          m.events.register(core.id, step, rt, core.reg(rt));
        }
        core.retire(size);
        return false;
      }
      case Trap.Yield:
        // a hint (cpu_relax()): no architectural effect; polling detection
        // decides whether this core is waiting
        core.retire(size);
        return false;
      default:
        throw new Error(`unknown trap ${trap}`);
    }
  }

  private svc(core: Core, word: number, size: number): boolean {
    const m = this.m;
    const imm = size === 2 ? word & 0xff : word & 0xffffff;
    const semihosting = size === 2 ? imm === 0xab : imm === 0x123456;
    if (!semihosting) {
      this.enter(core, 'svc', (core.pc + size) >>> 0, m.steps - 1);
      return false;
    }
    // a debugger call reads memory as this core sees it: its buffered stores complete first
    if (m.memory.relaxed) m.memory.drainAll(core.id);
    const op = core.reg(0);
    const arg = core.reg(1);
    m.emit({ kind: 'semihosting', step: m.steps - 1, core: core.id, op, name: Semihosting.opName(op) });
    try {
      const r = this.semihosting.call(core.id, op, arg);
      if ('exit' in r) {
        core.state = 'halted'; // left at the SVC: reports show where it exited
        m.exit(core.id, r.exit);
        return true;
      }
      core.setReg(0, r.r0);
      if (m.events.wantsRegisters) m.events.register(core.id, m.steps - 1, 0, r.r0 >>> 0);
      core.retire(size);
      return true;
    } catch (e) {
      if (e instanceof DeviceError) {
        m.fault(core.id, `${e.message} at ${hex(core.pc)}`);
        return false;
      }
      throw e;
    }
  }
}
