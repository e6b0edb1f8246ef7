/**
 * The machine: cores, the shared bus and the devices of a board, with the
 * firmware loaded. It knows how to run one core for a number of steps and
 * what each instruction Unicorn cannot model means; *which* core runs is the
 * scheduler's business (src/scheduler).
 *
 * Engines are opened once and reused: `reset()` puts memory, cores and
 * devices back to the state right after loading, touching only what changed.
 */
import type { FirmwareImage } from '../elf/elf.js';
import { InputError } from '../errors.js';
import { isExceptionReturn } from './arm.js';
import { hex } from '../format.js';
import type { Board } from './board.js';
import { Bus } from './bus.js';
import { Core, type CoreState, mpidrOf } from './core.js';
import type { Device, DeviceHost } from './devices/device.js';
import { DeviceError } from './devices/device.js';
import { Gic } from './devices/gic.js';
import { Pl011 } from './devices/pl011.js';
import { PowerController } from './devices/power.js';
import { Scu } from './devices/scu.js';
import { Semihosting } from './devices/semihosting.js';
import { SysRegs } from './devices/sysregs.js';
import { EventStream, type Hazard, type MachineEvent } from './events.js';
import { LogEv, NativeContext, Out, RunFlag, Stop, Trap, ucStrerror } from './native.js';

export type Ending =
  | { outcome: 'exit'; exitCode: number; core: number }
  | { outcome: 'fault'; core: number; pc: number; message: string };

/** a read a core's turn ended at: RAM (size > 0, re-checkable) or a device register (epoch-bound) */
interface Poll {
  address: number;
  size: number;
  value: number;
  epoch: number;
}

export interface ConsoleByte {
  core: number;
  byte: number;
  step: number;
}

export interface MachineOptions {
  /** keep running after a hazard (all of them are listed) */
  continueAfterHazard?: boolean;
}

const PAGE = 4096;
const SPIN_MEMORY = 4096;

export class Machine implements DeviceHost {
  readonly bus: Bus;
  readonly cores: Core[];
  readonly gic: Gic;
  readonly events = new EventStream();
  readonly console: ConsoleByte[] = [];
  readonly hazards: Hazard[] = [];
  private readonly devices: Device[] = [];
  private readonly semihosting: Semihosting;
  private readonly initial: NativeContext[];
  private readonly pristine = new Map<number, Uint8Array>(); // RAM page address -> loaded bytes
  private deviceFault: { core: number; message: string } | undefined;
  private readonly resetHooks: (() => void)[] = [];
  private readonly hashTick: number[] = [];
  /** exceptions each core is inside (entered, not yet returned from) */
  private readonly handlerDepth: number[] = [];
  /**
   * Per core: `seen` register-state hashes since memory last changed (a
   * repeat means the core is in a loop nothing can end: livelock material),
   * and the reads its turns ended at, by PC. A core back at a PC reading the
   * same word (or device register) with the same value, having written
   * nothing since, is polling: waiting, even if it counts its polls. While
   * the word keeps that value (a device: while nothing changed), its turn
   * goes to others.
   */
  private spin: {
    epoch: number; seen: Set<number>; repeating: boolean;
    polls: Map<number, Poll>;
    polling: Poll | undefined;
  }[];
  steps = 0;
  /** a native run in progress: its core and how far its log has been delivered */
  private inRun: {
    id: number; drained: number; fetched: number;
    deviceWrites: number; deviceRead: { address: number; value: number } | undefined;
  } | undefined;
  /** instructions each core has retired in this run */
  readonly retired: number[] = [];
  ending: Ending | undefined;
  /** a hazard was found and the run should stop at the next boundary */
  stopRequested = false;
  private cut: { step: number; core: number; pc: number | undefined } | undefined;

  constructor(readonly board: Board, readonly firmware: FirmwareImage, readonly options: MachineOptions = {}) {
    this.bus = new Bus(board);
    const n = board.cores;
    this.gic = new Gic(n, this);
    const scu = new Scu(n);
    const sys = new SysRegs(board.sysId, this);
    const uart = new Pl011((core, byte) => this.print(core, byte, this.step));
    const power = new PowerController(n, this, (core) => this.powerOff(core), (core, entry) => this.powerOn(core, entry));
    this.bus.map(board.periphBase, scu);
    this.bus.map(board.periphBase + 0x100, this.gic.cpuInterface);
    this.bus.map(board.periphBase + 0x1000, this.gic.distributor);
    this.bus.map(board.sysregs, sys);
    this.bus.map(board.uart0, uart);
    this.bus.map(board.powerCtl, power);
    this.devices.push(scu, this.gic.distributor, sys, uart, power);
    this.bus.onDeviceError = (core, message) => {
      this.deviceFault ??= { core, message: `${message} at step ${this.step}` };
    };
    this.bus.beforeDeviceAccess = (core, write) => {
      this.drainLog(core);
      if (write && this.inRun?.id === core) this.inRun.deviceWrites++;
    };
    this.bus.afterDeviceRead = (core, address, value) => {
      if (this.inRun?.id === core) this.inRun.deviceRead = { address, value };
    };
    // semihosting runs from the SVC trap, after the SVC's step was counted
    this.semihosting = new Semihosting(this.bus, (core, byte) => this.print(core, byte, this.steps - 1));

    for (const seg of firmware.segments) {
      this.bus.load(seg.address, seg.data);
      for (let p = seg.address & ~(PAGE - 1); p < seg.address + seg.memSize; p += PAGE) this.pristine.set(p, new Uint8Array(0));
    }
    for (const p of this.pristine.keys()) this.pristine.set(p, this.bus.slice(p, PAGE)!.slice());
    this.bus.native.pageDirty.fill(0);

    this.cores = [];
    for (let id = 0; id < n; id++) {
      const core = new Core(id, this.bus);
      // every core starts at the entry, in SVC mode with IRQ/FIQ masked (as QEMU)
      core.jump(firmware.entry);
      this.cores.push(core);
    }
    this.initial = this.cores.map((c) => c.native.saveContext());
    this.retired.push(...this.cores.map(() => 0));
    this.hashTick.push(...this.cores.map(() => 0));
    this.handlerDepth.push(...this.cores.map(() => 0));
    this.spin = this.cores.map(() => ({ epoch: -1, seen: new Set<number>(), repeating: false, polls: new Map(), polling: undefined }));
  }

  // ---- DeviceHost ----
  /** the global step of the instruction executing now (mid native run: the one touching a device) */
  get step(): number {
    const r = this.inRun;
    return r ? this.steps + this.cores[r.id]!.native.out[Out.Retired]! - 1 : this.steps;
  }
  emit(e: MachineEvent): void {
    this.events.emit(e);
  }
  mutated(): void {
    this.bus.native.bump();
  }

  private print(core: number, byte: number, step: number): void {
    this.console.push({ core, byte, step });
    if (this.events.wantsEvents) this.events.emit({ kind: 'console', step, core, byte });
  }

  private powerOff(core: number): void {
    const c = this.cores[core];
    if (!c) return;
    c.state = 'off';
    this.emit({ kind: 'power', step: this.step, core, on: false });
  }

  /** `symbol` or `symbol+0xOFF` to an address (for hand-written schedules) */
  resolve(expr: string): number {
    const m = /^([^+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(expr);
    const sym = m && this.firmware.symbol(m[1]!);
    if (!sym) throw new InputError(`schedule: no symbol '${m?.[1] ?? expr}' in ${this.firmware.path}`);
    return (sym.address + (m[2] ? Number(m[2]) : 0)) >>> 0;
  }

  /** A core comes out of reset at `entry`: registers as at boot, then the PC. */
  private powerOn(core: number, entry: number): void {
    const c = this.cores[core];
    if (!c) return;
    c.native.restoreContext(this.initial[core]!);
    c.refresh();
    c.jump(entry);
    this.handlerDepth[core] = 0;
    c.state = 'running';
    c.event = false;
    this.emit({ kind: 'power', step: this.step, core, on: true });
  }

  symbolize(address: number): string {
    return this.firmware.symbolize(address);
  }

  reportHazard(h: Hazard): void {
    if (this.stopRequested) return; // the run ends at the first one unless told to go on
    this.hazards.push(h);
    this.emit({ kind: 'hazard', step: h.step, hazard: h });
    if (!this.options.continueAfterHazard) {
      this.stopRequested = true;
      // the native run goes on a little past the hazard: results are cut at it, so
      // they do not depend on where the scheduler's turns happened to end
      const core = this.inRun?.id;
      if (core !== undefined) this.cut = { step: h.step, core, pc: undefined };
    }
  }

  /** Where a run stopped by a hazard is reported to stand: after the hazard's instruction. */
  get reportedSteps(): number {
    return this.cut ? this.cut.step + 1 : this.steps;
  }

  reportedPc(id: number): number {
    return this.cut?.core === id && this.cut.pc !== undefined ? this.cut.pc : this.cores[id]!.pc;
  }

  get ended(): boolean {
    return this.ending !== undefined || this.stopRequested;
  }

  /**
   * Which RAM accesses are scheduling points: every one (the default), or
   * those to the given words ([address, words] ranges), which exploration
   * learns: the words two cores use and one of them writes.
   */
  setSharedWords(words: [number, number][] | 'all'): void {
    const native = this.bus.native;
    native.wordShared.fill(0);
    native.allShared = words === 'all';
    if (words === 'all') return;
    for (const [address, count] of words) {
      if (!this.bus.isRam(address, count * 4) || address % 4) throw new InputError(`shared 0x${address.toString(16)}+${count}: not whole RAM words`);
      const first = this.globalOffset(address) >>> 2;
      for (let w = first; w < first + count; w++) native.wordShared[w >>> 3] = native.wordShared[w >>> 3]! | (1 << (w & 7));
    }
  }

  /** RAM address to the stepper's global offset (regions in bus order) */
  globalOffset(address: number): number {
    return this.pageIndex(address & ~(PAGE - 1)) * PAGE + (address & (PAGE - 1));
  }

  /** called at every reset (detectors drop what they learned) */
  onReset(fn: () => void): void {
    this.resetHooks.push(fn);
  }

  /** Back to the state right after loading, touching only what a run changed. */
  reset(): void {
    const dirty = this.bus.native.pageDirty;
    for (const ram of this.bus.ram) {
      const first = this.pageIndex(ram.base);
      for (let i = 0; i < ram.size / PAGE; i++) {
        if (!dirty[first + i]) continue;
        const addr = ram.base + i * PAGE;
        const orig = this.pristine.get(addr);
        if (orig) ram.bytes.set(orig, i * PAGE);
        else ram.bytes.fill(0, i * PAGE, (i + 1) * PAGE);
        this.bus.native.hostWrote(addr, PAGE);
        dirty[first + i] = 0;
      }
    }
    for (const [i, core] of this.cores.entries()) {
      core.native.restoreContext(this.initial[i]!);
      core.refresh();
      core.state = 'running';
      core.event = false;
    }
    for (const d of this.devices) d.reset();
    this.console.length = 0;
    this.hazards.length = 0;
    this.steps = 0;
    this.retired.fill(0);
    this.hashTick.fill(0);
    this.handlerDepth.fill(0);
    this.ending = undefined;
    this.stopRequested = false;
    this.cut = undefined;
    this.deviceFault = undefined;
    for (const s of this.spin) {
      Object.assign(s, { epoch: -1, repeating: false, polling: undefined });
      s.seen.clear();
      s.polls.clear();
    }
    for (const fn of this.resetHooks) fn();
  }

  private pageIndex(address: number): number {
    let index = 0;
    for (const r of this.bus.ram) {
      if (address >= r.base && address < r.base + r.size) return index + (address - r.base) / PAGE;
      index += r.size / PAGE;
    }
    throw new Error(`0x${address.toString(16)} is not RAM`);
  }

  // ---- waiting ----

  /** Apply the ARM ARM wake rules to sleeping cores. */
  wakeSleepers(): void {
    for (const c of this.cores) {
      if (c.state === 'wfe') {
        if (c.event) { c.event = false; this.wake(c, 'event'); }
        else if (this.gic.irqLine(c.id) && !c.irqMasked) this.wake(c, 'irq');
      } else if (c.state === 'wfi' && this.gic.irqLine(c.id)) {
        // WFI wakes on a pending interrupt even while CPSR.I masks it
        this.wake(c, 'irq');
      }
    }
  }

  /** WFE is a hint: hardware may end it early. Exploration chooses to. */
  wakeEarly(id: number): void {
    const c = this.cores[id]!;
    if (c.state === 'wfe') this.wake(c, 'early');
  }

  private wake(c: Core, why: 'event' | 'irq' | 'early'): void {
    const how = c.state as 'wfe' | 'wfi';
    c.state = 'running';
    this.emit({ kind: 'wake', step: this.steps, core: c.id, how, why });
  }

  /** a core waiting on memory nothing has changed: its turn may go to another core */
  isSpinning(id: number): boolean {
    if (this.isRepeating(id)) return true;
    const p = this.spin[id]!.polling;
    if (!p) return false;
    if (p.size === 0) return p.epoch === this.bus.native.epoch;
    const now = p.size === 4 ? this.bus.readU32(p.address) : p.size === 2 ? this.bus.readU16(p.address) : this.bus.readU8(p.address);
    return now === p.value;
  }

  /** a core whose whole state has repeated with memory unchanged: it can never get anywhere alone */
  isRepeating(id: number): boolean {
    const s = this.spin[id]!;
    return s.repeating && s.epoch === this.bus.native.epoch;
  }

  // ---- running ----

  /**
   * Run core `id` for at most `budget` steps. With `untilVisible`, stop after
   * the first instruction another core could observe (a shared-page access,
   * a device access, SEV/WFE/WFI, semihosting output). Returns steps retired.
   */
  runCore(id: number, budget: number, untilVisible: boolean, until?: number): number {
    const core = this.cores[id]!;
    const logFetch = this.events.wantsFetch;
    let flags = (logFetch ? RunFlag.LogFetch : 0) | (this.events.wantsAccess ? RunFlag.LogAccess : 0);
    if (untilVisible) flags |= RunFlag.StopShared;
    let done = 0;
    while (done < budget && core.state === 'running' && !this.ended) {
      if (this.gic.irqLine(id)) {
        if (!core.irqMasked) {
          const e = core.takeException('irq', core.pc);
          this.handlerDepth[id]!++;
          this.emit({ kind: 'exception-entry', step: this.steps, core: id, exception: 'irq', pc: e.from, vector: e.vector });
        }
      }
      const watch = this.gic.irqLine(id) && core.irqMasked ? RunFlag.IrqWatch : 0;
      // the whole-state hash (livelock) costs a register dump: take it at visible
      // stops and every 16th turn of a core, which any loop still comes back to
      const hash = untilVisible || (this.hashTick[id] = (this.hashTick[id]! + 1) & 15) === 0 ? RunFlag.Hash : 0;
      const n = core.native;
      const run = (this.inRun = { id, drained: 0, fetched: 0, deviceWrites: 0, deviceRead: undefined });
      try {
        n.run(budget - done, flags | watch | hash, until === undefined ? 1 : until);
        if (logFetch) this.drainLog(id);
      } finally {
        this.inRun = undefined;
      }
      const o = n.out;
      const retired = o[Out.Retired]!;
      core.pc = o[Out.Pc]!;
      core.cpsr = o[Out.Cpsr]!;
      if (this.cut && this.cut.core === id && this.cut.pc === undefined) this.cut.pc = core.pc;
      this.steps += retired;
      done += retired;
      const reason = o[Out.Reason]!;
      if (retired) this.noteState(id, o, run.deviceWrites, untilVisible ? this.pollRead(o, reason, run.deviceRead) : undefined, hash !== 0);
      if (this.raiseDeviceFault()) break;
      if (reason === Stop.Error) {
        this.fault(id, this.describeError(core, o));
        break;
      }
      if (reason === Stop.Intr) {
        this.fault(id, `unexpected exception ${o[Out.Intno]} from the engine at ${hex(core.pc)}`);
        break;
      }
      // a device access or SEV may wake a sleeper: wake it now, at this step, not when
      // the scheduler next looks (which depends on how turns were cut)
      if (reason === Stop.Mmio) this.wakeSleepers();
      if (reason === Stop.Trap) {
        const visible = this.executeTrap(core, o[Out.Trap]!, o[Out.TrapWord]!, o[Out.TrapSize]!);
        done++;
        if (this.raiseDeviceFault()) break;
        this.wakeSleepers();
        if (visible && untilVisible) break;
      } else if ((reason === Stop.Shared || reason === Stop.Mmio) && untilVisible) {
        break;
      } else if (reason === Stop.Until) {
        break;
      }
    }
    this.retired[id] = this.retired[id]! + done;
    return done;
  }

  private raiseDeviceFault(): boolean {
    const f = this.deviceFault;
    if (f) this.fault(f.core, f.message);
    return f !== undefined;
  }

  /** the read a visible turn ended at, if it ended at a read */
  private pollRead(o: Uint32Array, reason: number, device: { address: number; value: number } | undefined): Poll | undefined {
    const epoch = this.bus.native.epoch;
    if (reason === Stop.Shared && o[Out.LastWrite] === 0) {
      return { address: o[Out.LastAddr]!, size: o[Out.LastSize]!, value: o[Out.LastValue]!, epoch };
    }
    if (reason === Stop.Mmio && device) return { address: device.address, size: 0, value: device.value, epoch };
    return undefined;
  }

  private noteState(id: number, o: Uint32Array, deviceWrites: number, read: Poll | undefined, hashed: boolean): void {
    const s = this.spin[id]!;
    if (o[Out.Writes] || deviceWrites) {
      s.polls.clear();
      s.polling = undefined;
    }
    if (read) {
      const pc = this.cores[id]!.pc;
      const before = s.polls.get(pc);
      s.polling = before && before.address === read.address && before.value === read.value ? read : undefined;
      if (s.polls.size < 64 || before) s.polls.set(pc, read);
    }
    if (!hashed) return;
    const epoch = this.bus.native.epoch;
    const key = o[Out.HashHi]! * 0x100000000 + o[Out.HashLo]!;
    if (s.epoch !== epoch || s.seen.size >= SPIN_MEMORY) {
      s.epoch = epoch;
      s.seen.clear();
      s.repeating = false;
    } else if (s.seen.has(key)) {
      s.repeating = true;
      return;
    }
    s.seen.add(key);
  }

  /** Delivers the log of the native run in progress, up to where it has got. */
  private drainLog(id: number): void {
    const r = this.inRun;
    if (!r || r.id !== id || !this.events.wantsFetch) return;
    const n = this.cores[id]!.native;
    const log = n.log;
    const len = n.out[Out.LogLen]!;
    const ev = this.events;
    let step = this.steps + r.fetched - 1;
    for (let i = r.drained; i < len; i += 3) {
      const kind = log[i]! & 0xff;
      const size = log[i]! >>> 8;
      if (kind === LogEv.Fetch) {
        const cut = this.cut;
        if (cut && cut.core === id && step + 1 > cut.step) {
          // the run is cut at a hazard: what the core did after it is not reported to anyone
          cut.pc ??= log[i + 1]!;
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
      else ev.read(id, step, log[i + 1]!, size, log[i + 2]!);
    }
    r.drained = len;
  }

  private describeError(core: Core, o: Uint32Array): string {
    const err = o[Out.Err]!;
    const at = `${hex(core.pc)} (${this.symbolize(core.pc)})`;
    if (err === 10) {
      const word = core.thumb ? this.bus.readU16(core.pc) : this.bus.readU32(core.pc);
      return `undefined instruction 0x${word.toString(16)} at ${at}`;
    }
    const bad = o[Out.BadType] ? ` address ${hex(o[Out.BadAddr]!)}` : '';
    return `${ucStrerror(err)}${bad} at ${at}`;
  }

  private fault(core: number, message: string): void {
    const c = this.cores[core]!;
    this.ending ??= { outcome: 'fault', core, pc: c.pc, message: `core ${core}: ${message}` };
  }

  /** Execute an instruction the engine must not. Returns whether another core could see it. */
  private executeTrap(core: Core, trap: number, word: number, size: number): boolean {
    const step = this.steps;
    if (this.events.wantsFetch) this.events.fetch(core.id, step, core.pc, size, word);
    this.steps++;
    if (!core.conditionPassed(word)) {
      core.retire(size);
      return false;
    }
    switch (trap) {
      case Trap.Mpidr: {
        const rt = core.thumb ? (word >>> 28) & 0xf : (word >>> 12) & 0xf;
        if (rt === 15) { this.fault(core.id, `MRC MPIDR to r15 at ${hex(core.pc)} is unpredictable`); return false; }
        core.setReg(rt, mpidrOf(core.id));
        core.retire(size);
        return false;
      }
      case Trap.Sev:
        for (const c of this.cores) if (c.live) c.event = true;
        this.emit({ kind: 'sev', step, core: core.id });
        core.retire(size);
        this.mutated();
        return true;
      case Trap.Wfe:
        core.retire(size);
        if (core.event) {
          core.event = false; // a set event register is consumed, no sleep
          return false;
        }
        core.state = 'wfe';
        this.emit({ kind: 'sleep', step, core: core.id, how: 'wfe' });
        return true;
      case Trap.Wfi:
        core.retire(size);
        if (this.gic.irqLine(core.id)) return false;
        core.state = 'wfi';
        this.emit({ kind: 'sleep', step, core: core.id, how: 'wfi' });
        return true;
      case Trap.Svc:
        return this.svc(core, word, size);
      case Trap.Yield:
        // a hint (cpu_relax()): no architectural effect; the scheduler's own
        // polling detection decides whether this core is waiting
        core.retire(size);
        return false;
      default:
        throw new Error(`unknown trap ${trap}`);
    }
  }

  private svc(core: Core, word: number, size: number): boolean {
    const imm = size === 2 ? word & 0xff : word & 0xffffff;
    const semihosting = size === 2 ? imm === 0xab : imm === 0x123456;
    if (!semihosting) {
      const e = core.takeException('svc', (core.pc + size) >>> 0);
      this.handlerDepth[core.id]!++;
      this.emit({ kind: 'exception-entry', step: this.steps - 1, core: core.id, exception: 'svc', pc: e.from, vector: e.vector });
      return false;
    }
    const op = core.reg(0);
    const arg = core.reg(1);
    this.emit({ kind: 'semihosting', step: this.steps - 1, core: core.id, op, name: Semihosting.opName(op) });
    try {
      const r = this.semihosting.call(core.id, op, arg);
      if ('exit' in r) {
        core.state = 'halted'; // left at the SVC: reports show where it exited

        this.ending ??= { outcome: 'exit', exitCode: r.exit, core: core.id };
        return true;
      }
      core.setReg(0, r.r0);
      core.retire(size);
      return true;
    } catch (e) {
      if (e instanceof DeviceError) {
        this.fault(core.id, `${e.message} at ${hex(core.pc)}`);
        return false;
      }
      throw e;
    }
  }

  /** whether the bytes at [address, address+length) differ from what the ELF loaded there */
  isRewritten(address: number, length: number): boolean {
    const now = this.bus.slice(address, length);
    if (!now) return false;
    for (let i = 0; i < length; i++) {
      const a = address + i;
      const page = this.pristine.get(a & ~(PAGE - 1));
      if ((page ? page[a & (PAGE - 1)]! : 0) !== now[i]) return true;
    }
    return false;
  }

  /** `symbol+off`, marked when the code there is no longer what the ELF says (e.g. a kexec'd kernel) */
  describePc(pc: number): string {
    const sym = this.symbolize(pc);
    return this.isRewritten(pc, 2) ? `${sym} (rewritten since load)` : sym;
  }

  /** What a report says about each core now. */
  coreSummary(id: number): { id: number; pc: number; symbol: string; state: CoreState | 'pen' } {
    const pc = this.reportedPc(id);
    const now = this.cores[id]!.state;
    const inPen = this.firmware.ranges('__penlab_pen').some(([s, e]) => pc >= s && pc < e);
    const state = (now === 'running' || now === 'wfe') && inPen ? 'pen' : now;
    return { id, pc, symbol: this.describePc(pc), state };
  }

  dispose(): void {
    for (const ctx of this.initial) ctx.dispose();
    for (const c of this.cores) c.close();
    this.bus.dispose();
  }
}
