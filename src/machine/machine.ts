/**
 * The machine: cores, the shared bus and the devices of a board, with the
 * firmware loaded. It hosts the devices, powers cores on and off, resets to
 * the loaded state between runs, and cuts a run's results at its first
 * hazard. Running a core's turn is `turn.ts`; waiting, polling and livelock
 * are `waiting.ts`; *which* core runs is the scheduler's business.
 *
 * Engines are opened once and reused: `reset()` puts memory, cores and
 * devices back to the state right after loading, touching only what changed.
 */
import type { FirmwareImage } from '../elf/elf.js';
import { InputError } from '../errors.js';
import { type Board, type BoardHost, wireDevices } from './board.js';
import { Bus, type RamSnapshot } from './bus.js';
import { ConsoleLog } from './console.js';
import { Clock } from './clock.js';
import { Core } from './core.js';
import type { Device } from './devices/device.js';
import type { Gic } from './devices/gic.js';
import { EventStream, type Hazard, type MachineEvent } from './events.js';
import { type MemoryModel, StoreBuffers } from './memory.js';
import type { NativeContext } from './native.js';
import { restoreState, type SavedState, saveState, type Stateful } from './state.js';
import { TurnRunner } from './turn.js';
import { Waiting } from './waiting.js';

export type Ending =
  | { outcome: 'exit'; exitCode: number; core: number }
  | { outcome: 'fault'; core: number; pc: number; message: string };

export interface MachineOptions {
  /** keep running after a hazard (all of them are listed) */
  continueAfterHazard?: boolean;
  /** translation blocks an engine may generate before a reset reopens it (default ENGINE_BLOCK_BUDGET) */
  engineBlockBudget?: number;
  /** round-robin turns run back to back in C where nothing watches them (default true) */
  rotations?: boolean;
  /** console bytes kept (default 1 MiB); the rest are counted */
  consoleLimit?: number;
  /** an undefined instruction or abort ends the run as a fault instead of entering the firmware's vector */
  faultOnException?: boolean;
  /** the memory model runs hold under (default sc; docs/memory-model.md) */
  memory?: MemoryModel;
}

/**
 * The whole machine between two decisions of a run (`Machine.snapshot`): what
 * `restore` needs to go on from there exactly as the run did. Holds native
 * contexts: dispose it when dropped.
 */
export interface MachineSnapshot {
  readonly ram: RamSnapshot;
  readonly contexts: NativeContext[];
  readonly state: SavedState;
  /** the observers that hold run state (detectors, the early-wake oracle) */
  readonly held: SavedState[];
}

export function disposeSnapshot(s: MachineSnapshot): void {
  for (const c of s.contexts) c.dispose();
}

const PAGE = 4096;
/**
 * Translation blocks an engine may generate before it is reopened at a reset:
 * about 0.8 KB of never-reclaimed translation buffer each (measured on the
 * kexec firmware), so about 8 MB per engine. kexec-notify-ack generates
 * about 100 blocks per schedule, so an engine reopens every hundred or so
 * schedules (a reopen costs about one run: no measurable change in CPU time
 * per schedule against 20,000); the peak RSS of 6000 schedules was 235 MiB
 * against 244-259 MiB at 20,000, and 250-290 MiB at 60,000.
 */
export const ENGINE_BLOCK_BUDGET = 10_000;

export class Machine implements BoardHost, Stateful {
  /** everything a run changes, besides RAM and the engines' contexts (state.ts copies these) */
  readonly stateFields = ['steps', 'retired', 'ending', 'stopRequested', 'cut', 'deviceFault', 'hazards', 'console', 'clock', 'waiting', 'turn', 'gic', 'devices', 'cores', 'memory'];
  private readonly held: Stateful[] = [];
  readonly bus: Bus;
  readonly cores: Core[];
  readonly gic: Gic;
  readonly events = new EventStream();
  readonly console: ConsoleLog;
  readonly hazards: Hazard[] = [];
  readonly waiting: Waiting;
  /** virtual time: every time source reads it (clock.ts) */
  readonly clock: Clock;
  /** store buffers and non-coherent caches (--memory relaxed) */
  readonly memory: StoreBuffers;
  /** the memory model of the next run (applied at reset) */
  memoryModel: MemoryModel;
  private readonly turn: TurnRunner;
  private readonly devices: Device[];
  private readonly initial: NativeContext[];
  private readonly pristine = new Map<number, Uint8Array>(); // RAM page address -> loaded bytes
  private deviceFault: { core: number; message: string } | undefined;
  private readonly resetHooks: (() => void)[] = [];
  /** the firmware's stacks, if it names them (`__stacks_start/_end`) */
  readonly stacks: [number, number] | undefined;
  /**
   * What the code checks judge by (set by them; absent without checks): where
   * code is safe from clobbering, and whether stale code counts other cores'
   * writes. DPOR orders the events their verdicts turn on (operations.ts).
   */
  codeChecks: { safe: (address: number) => boolean; strictSync: boolean } | undefined;
  /** instructions retired by all cores in this run (turn.ts advances it) */
  steps = 0;
  /** instructions each core has retired in this run */
  readonly retired: number[] = [];
  ending: Ending | undefined;
  /** a hazard was found and the run should stop at the next boundary */
  stopRequested = false;
  /** where results are cut: the hazard's step, its core, and that core's PC after it (once known) */
  private cut: { step: number; core: number; pc: number | undefined } | undefined;

  constructor(readonly board: Board, readonly firmware: FirmwareImage, readonly options: MachineOptions = {}) {
    this.bus = new Bus(board);
    this.console = new ConsoleLog(options.consoleLimit);
    this.clock = new Clock(board.clockHz, () => this.step, () => this.mutated());
    ({ gic: this.gic, devices: this.devices } = wireDevices(board, this.bus, this));
    this.bus.onDeviceError = (core, message) => {
      this.deviceFault ??= { core, message: `${message} at step ${this.step}` };
    };
    this.bus.onDeviceAccess = (core, address, write) => this.events.device(core, address, write);
    this.bus.onDeviceData = (core, write, address, size, value, region) => this.events.deviceAccess(core, write, address, size, value, region);

    for (const seg of firmware.segments) {
      this.bus.load(seg.address, seg.data);
      for (let p = seg.address & ~(PAGE - 1); p < seg.address + seg.memSize; p += PAGE) this.pristine.set(p, new Uint8Array(0));
    }
    for (const p of this.pristine.keys()) this.pristine.set(p, this.bus.slice(p, PAGE)!.slice());
    this.bus.native.dirty.clear();

    this.cores = [];
    for (let id = 0; id < board.cores; id++) {
      const core = new Core(id, this.bus);
      // every core starts at the entry, in SVC mode with IRQ/FIQ masked (as QEMU)
      core.jump(firmware.entry);
      this.cores.push(core);
    }
    this.initial = this.cores.map((c) => c.native.saveContext());
    this.retired.push(...this.cores.map(() => 0));
    const [s, e] = [firmware.symbol('__stacks_start'), firmware.symbol('__stacks_end')];
    this.stacks = s && e ? [s.address, e.address] : undefined;
    this.memoryModel = options.memory ?? 'sc';
    this.memory = new StoreBuffers(this);
    this.memory.reset(this.memoryModel);
    this.waiting = new Waiting(this.cores, this.bus, this.gic, this.events, () => this.steps);
    this.turn = new TurnRunner(this);
  }

  // ---- what devices and the turn runner ask of the machine ----

  /** the global step of the instruction executing now (mid native run: the one touching a device) */
  get step(): number {
    const n = this.turn.retiredInRun;
    return n === undefined ? this.steps : this.steps + n - 1;
  }
  emit(e: MachineEvent): void {
    this.events.emit(e);
  }
  mutated(): void {
    this.bus.native.bump();
  }

  print(core: number, byte: number, step: number): void {
    // nothing past a hazard's cut is reported (the native run went on a little)
    if (!this.cut || step <= this.cut.step) this.console.push(core, byte);
    if (this.events.wantsEvents) this.events.emit({ kind: 'console', step, core, byte });
  }

  powerOff(core: number): void {
    const c = this.cores[core];
    if (!c) return;
    c.state = 'off';
    this.emit({ kind: 'power', step: this.step, core, on: false });
  }

  /** A core comes out of reset at `entry`: registers as at boot, then the PC. */
  powerOn(core: number, entry: number): void {
    const c = this.cores[core];
    if (!c) return;
    c.native.restoreContext(this.initial[core]!);
    c.refresh();
    c.jump(entry);
    this.turn.powerOn(core);
    this.memory.powerOn(c);
    c.state = 'running';
    c.event = false;
    this.emit({ kind: 'power', step: this.step, core, on: true });
  }

  watchdogReset(core: number): void {
    this.fault(core, `watchdog expired in watchdog mode at cycle ${this.clock.now}: the core would be reset`);
  }

  fault(core: number, message: string): void {
    const c = this.cores[core]!;
    this.ending ??= { outcome: 'fault', core, pc: c.pc, message: `core ${core}: ${message}` };
  }

  exit(core: number, exitCode: number): void {
    this.ending ??= { outcome: 'exit', exitCode, core };
  }

  /** a device refused an access during the last native run: the run ends as a fault */
  raiseDeviceFault(): boolean {
    const f = this.deviceFault;
    if (f) this.fault(f.core, f.message);
    return f !== undefined;
  }

  symbolize(address: number): string {
    return this.firmware.symbolize(address);
  }

  // ---- hazards: the run's results end at the first one ----

  reportHazard(h: Hazard): void {
    if (this.stopRequested) return; // the run ends at the first one unless told to go on
    this.hazards.push(h);
    this.emit({ kind: 'hazard', step: h.step, hazard: h });
    if (!this.options.continueAfterHazard) {
      this.stopRequested = true;
      // the native run goes on a little past the hazard: results are cut at it, so
      // they do not depend on where the scheduler's turns happened to end
      const core = this.turn.runningCore;
      if (core !== undefined) this.cut = { step: h.step, core, pc: undefined };
    }
  }

  /** whether core `id`'s instruction at global step `step` lies past the cut */
  isCut(id: number, step: number): boolean {
    const cut = this.cut;
    return cut !== undefined && cut.core === id && step > cut.step;
  }

  /** the first PC core `id` reached past the cut: where it is reported to stand */
  noteCutPc(id: number, pc: number): void {
    const cut = this.cut;
    if (cut && cut.core === id && cut.pc === undefined) cut.pc = pc;
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

  // ---- running ----

  /** Runs core `id` for at most `budget` steps (turn.ts). Returns steps retired. */
  runCore(id: number, budget: number, untilVisible: boolean, until?: number): number {
    return this.turn.run(id, budget, untilVisible, until);
  }

  /**
   * Whether round-robin turns of `quantum` steps may run back to back in C
   * now (rotate): memory is sequentially consistent and no interrupt is
   * raised, so a turn that ends at its budget changes nothing the scheduler
   * looks at; with observers, turns short enough that each core's log holds
   * a rotation's worth.
   */
  canRotate(quantum: number): boolean {
    if (this.options.rotations === false || this.memory.relaxed) return false;
    if (this.events.wantsFetch && quantum > 64) return false;
    for (let id = 0; id < this.cores.length; id++) if (this.gic.irqLine(id)) return false;
    return true;
  }

  /**
   * Round-robin turns of `quantum` steps over the cores in `ready` (a bit per
   * id) after `last`, at most `maxSteps` steps (turn.ts). Returns the turns
   * the stepper ran (0: none, the scheduler decides as usual).
   */
  rotate(ready: number, last: number | undefined, quantum: number, maxSteps: number, onTurn: (core: number, steps: number) => void): number {
    return this.turn.rotate(ready, last, quantum, maxSteps, onTurn);
  }

  /**
   * Which RAM accesses are scheduling points: every one (the default), or
   * those to the given words ([address, words] ranges), which exploration
   * learns: the words two cores use and one of them writes.
   */
  setSharedWords(words: [number, number][] | 'all'): void {
    if (words !== 'all') {
      for (const [address, count] of words) {
        if (!this.bus.isRam(address, count * 4) || address % 4) throw new InputError(`shared 0x${address.toString(16)}+${count}: not whole RAM words`);
      }
    }
    this.bus.setSharedWords(words);
  }

  /** called at every reset (detectors drop what they learned); what such an observer holds is run state: see holdsState */
  onReset(fn: () => void): void {
    this.resetHooks.push(fn);
  }

  /** observers whose state is part of a run's (detectors, the early-wake oracle): snapshots hold it too */
  holdsState(...objects: Stateful[]): void {
    this.held.push(...objects);
  }

  /**
   * The machine now, between two decisions, under sequential consistency
   * (store buffers are not saved). Restoring it and going on is the same as
   * running from reset to here: docs/exploration.md, machine snapshots.
   */
  snapshot(): MachineSnapshot {
    if (this.memory.relaxed) throw new Error('machine snapshots hold sequentially consistent memory only');
    return {
      ram: this.bus.saveRam(),
      contexts: this.cores.map((c) => c.native.saveContext()),
      state: saveState(this),
      held: this.held.map(saveState),
    };
  }

  /** Back to a snapshot of this machine (instead of a reset): RAM, contexts, devices, clock, waiting, detectors. */
  restore(s: MachineSnapshot): void {
    this.memoryModel = 'sc';
    this.memory.reset('sc');
    this.bus.restoreRam(s.ram, this.pristine);
    for (const [i, core] of this.cores.entries()) {
      const ctx = s.contexts[i]!;
      if (core.native.translations.blocks > (this.options.engineBlockBudget ?? ENGINE_BLOCK_BUDGET)) core.reopen(this.bus, ctx);
      else core.native.restoreContext(ctx);
    }
    restoreState(this, s.state);
    for (const core of this.cores) core.refresh();
    this.held.forEach((h, i) => restoreState(h, s.held[i]!));
  }

  /**
   * Fresh engines for every core, at reset, with nothing translated: a
   * machine that will sit idle a while (the main session while worker
   * threads explore) gives back its translation buffers.
   */
  reopenEngines(): void {
    for (const [i, core] of this.cores.entries()) core.reopen(this.bus, this.initial[i]!);
    this.reset();
  }

  /** Back to the state right after loading, touching only what a run changed. */
  reset(): void {
    this.bus.restoreDirtyPages(this.pristine);
    this.bus.native.forgetReaders();
    // from zero: the machine at a decision is then a function of the choices before it (snapshots compare equal)
    this.bus.native.setEpochs(0, 0);
    for (const [i, core] of this.cores.entries()) {
      if (core.native.translations.blocks > (this.options.engineBlockBudget ?? ENGINE_BLOCK_BUDGET)) core.reopen(this.bus, this.initial[i]!);
      core.native.restoreContext(this.initial[i]!);
      core.refresh();
      core.state = 'running';
      core.event = false;
    }
    this.clock.reset();
    this.memory.reset(this.memoryModel);
    for (const d of this.devices) d.reset();
    this.console.clear();
    this.hazards.length = 0;
    this.steps = 0;
    this.retired.fill(0);
    this.turn.reset();
    this.waiting.reset();
    this.ending = undefined;
    this.stopRequested = false;
    this.cut = undefined;
    this.deviceFault = undefined;
    for (const fn of this.resetHooks) fn();
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

  dispose(): void {
    for (const ctx of this.initial) ctx.dispose();
    for (const c of this.cores) c.close();
    this.bus.dispose();
  }
}
