/**
 * The one module that knows koffi, libunicorn.so.2 and penlab's C stepper
 * (src/machine/native/penstep.c). Everything above it deals in numbers and
 * typed arrays; every native error becomes a thrown NativeError.
 */
import koffi from 'koffi';
import { SetupError } from '../errors.js';
import { ensureStepper } from './native/build.js';

/** Unicorn constants, checked against /usr/include/unicorn/{unicorn,arm}.h 2.0.1 */
export const UC = {
  CPU_ARM_CORTEX_A9: 16,
  REG_CPSR: 3,
  REG_LR: 10,
  REG_PC: 11,
  REG_SP: 12,
  REG_SPSR: 13,
  REG_R0: 66,
  ERR_OK: 0,
  ERR_INSN_INVALID: 10,
} as const;

/** Why a pl_run stopped (penstep.c, STOP_*). */
export const Stop = {
  Budget: 0, Trap: 1, Shared: 2, Mmio: 3, Irq: 4, LogFull: 5, Error: 6, Intr: 7, Until: 8, Align: 9, Sctlr: 10, Memory: 11,
} as const;

/** Instructions the engine must not execute itself (penstep.c, TRAP_*). */
export const Trap = { None: 0, Mpidr: 1, Wfe: 2, Wfi: 3, Sev: 4, Svc: 5, Yield: 6, Cp15: 7 } as const;

/** Why a relaxed core's run stopped before an instruction (penstep.c, MEM_*): out[MemOp]. */
export const MemOp = { None: 0, Barrier: 1, CleanLine: 2, CleanAll: 3, Full: 4, Fence: 5 } as const;

/** A store buffer entry's words (penstep.c, SB_*), and its size. */
export const Sb = { Addr: 0, Meta: 1, Seq: 2, Pc: 3, Data: 4, Old: 6, Gen: 8, Words: 9, Cached: 0x100, Cap: 96 } as const;

/** pl_run flags (penstep.c, F_*). */
export const RunFlag = { LogFetch: 1, LogAccess: 2, StopShared: 4, IrqWatch: 8, Hash: 16, LogRegs: 32, Align: 64, Append: 128 } as const;

/** Layout of pl_run's out[] (penstep.c, O_*). */
export const Out = {
  Err: 0, Reason: 1, Retired: 2, Pc: 3, Cpsr: 4, LogLen: 5, Trap: 6, TrapWord: 7,
  BadAddr: 8, BadType: 9, HashLo: 10, HashHi: 11, Intno: 12, TrapSize: 13,
  LastAddr: 14, LastSize: 15, LastValue: 16, LastWrite: 17, SeenWrites: 18, FaultAddr: 19, FaultWrite: 20, MemOp: 21, MemArg: 22, Count: 23,
} as const;

/**
 * Event kinds in a core's access log: three words each (kind | size << 8,
 * address, value); a register delta is (Reg | index << 8, 0, new value), with
 * index into TRACED_REGS, after the instruction that made it.
 */
export const LogEv = { Fetch: 1, Read: 2, Write: 3, Reg: 4 } as const;

/**
 * Round-robin turns run back to back in the stepper (rotate.c, ROT_*): a
 * record of Rot.Words per turn; Last and Hashed are flags in its Core word.
 */
export const Rot = {
  Cap: 256, Core: 0, Retired: 1, Wrote: 2, Pc: 3, Cpsr: 4, HashLo: 5, HashHi: 6, Epoch: 7, LogStart: 8, LogEnd: 9, Words: 10,
  Last: 0x100, Hashed: 0x200, None: 0xffffffff,
} as const;

/** the registers a delta can name, in penstep.c's reg_ids order */
export const TRACED_REGS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'sp', 'lr', 'cpsr'] as const;

export class NativeError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

/**
 * The stepper's interface, as penstep.c's pl_layout() lists it: ABI version,
 * then every out[] index, stop reason, trap, flag and log kind above in this
 * order. Checked at load, so a stale or mismatched library is a clear error,
 * never wrong numbers.
 */
const ABI_VERSION = 15;
export function expectedLayout(): number[] {
  return [
    ABI_VERSION,
    Out.Err, Out.Reason, Out.Retired, Out.Pc, Out.Cpsr, Out.LogLen, Out.Trap, Out.TrapWord, Out.BadAddr, Out.BadType,
    Out.HashLo, Out.HashHi, Out.Intno, Out.TrapSize, Out.LastAddr, Out.LastSize, Out.LastValue, Out.LastWrite, Out.SeenWrites, Out.FaultAddr, Out.FaultWrite,
    Out.MemOp, Out.MemArg, Out.Count,
    Stop.Budget, Stop.Trap, Stop.Shared, Stop.Mmio, Stop.Irq, Stop.LogFull, Stop.Error, Stop.Intr, Stop.Until, Stop.Align, Stop.Sctlr, Stop.Memory,
    Trap.None, Trap.Mpidr, Trap.Wfe, Trap.Wfi, Trap.Sev, Trap.Svc, Trap.Yield, Trap.Cp15,
    MemOp.None, MemOp.Barrier, MemOp.CleanLine, MemOp.CleanAll, MemOp.Full, MemOp.Fence,
    Sb.Addr, Sb.Meta, Sb.Seq, Sb.Pc, Sb.Data, Sb.Old, Sb.Gen, Sb.Words, Sb.Cached, Sb.Cap,
    RunFlag.LogFetch, RunFlag.LogAccess, RunFlag.StopShared, RunFlag.IrqWatch, RunFlag.Hash, RunFlag.LogRegs, RunFlag.Align, RunFlag.Append,
    LogEv.Fetch, LogEv.Read, LogEv.Write, LogEv.Reg, TRACED_REGS.length,
    Rot.Cap, Rot.Core, Rot.Retired, Rot.Wrote, Rot.Pc, Rot.Cpsr, Rot.HashLo, Rot.HashHi, Rot.Epoch, Rot.LogStart, Rot.LogEnd, Rot.Words,
    Rot.Last, Rot.Hashed, Rot.None,
  ];
}

/** Refuses a stepper library whose pl_layout() differs from this module's constants. */
export function checkLayout(lib: string, layout: (dst: Uint32Array, cap: number) => number): void {
  const want = expectedLayout();
  const got = new Uint32Array(128);
  const n = layout(got, got.length);
  if (got[0] !== ABI_VERSION) {
    throw new NativeError(`${lib} speaks stepper ABI ${got[0]}, this penlab needs ${ABI_VERSION} (penstep.c and native.ts disagree)`, -1);
  }
  const at = want.findIndex((v, i) => got[i] !== v);
  if (n !== want.length || at >= 0) {
    throw new NativeError(`${lib}: stepper interface differs from native.ts at entry ${at < 0 ? n : at} (penstep.c and native.ts disagree)`, -1);
  }
}

function loadLibraries() {
  let uc: ReturnType<typeof koffi.load>;
  try {
    uc = koffi.load('libunicorn.so.2');
  } catch (e) {
    const why = (e as Error).message.split('\n')[0]?.replace(/^Failed to load shared library: /, '') ?? '';
    throw new SetupError(`cannot load libunicorn.so.2 (${why}): install Debian's libunicorn2: apt-get install libunicorn2`);
  }
  const path = ensureStepper();
  const pl = koffi.load(path);
  checkLayout(path, pl.func('uint32_t pl_layout(uint32_t *dst, uint32_t cap)') as (dst: Uint32Array, cap: number) => number);
  const mmioRead = koffi.proto('uint64_t pl_mmio_read(void *uc, uint64_t offset, unsigned int size, void *ud)');
  const mmioWrite = koffi.proto('void pl_mmio_write(void *uc, uint64_t offset, unsigned int size, uint64_t value, void *ud)');
  return {
    mmioRead,
    mmioWrite,
    strerror: uc.func('const char *uc_strerror(int code)'),
    regRead: uc.func('int uc_reg_read(void *uc, int regid, _Out_ uint32_t *value)'),
    mmioMap: uc.func('int uc_mmio_map(void *uc, uint64_t address, size_t size, pl_mmio_read *read, void *rud, pl_mmio_write *write, void *wud)'),
    ctxAlloc: uc.func('int uc_context_alloc(void *uc, _Out_ void **ctx)'),
    ctxSave: uc.func('int uc_context_save(void *uc, void *ctx)'),
    ctxFree: uc.func('int uc_context_free(void *ctx)'),
    alloc: pl.func('void *pl_alloc(uint32_t size)'),
    free: pl.func('void pl_free(void *p, uint32_t size)'),
    busNew: pl.func('void *pl_bus_new()'),
    busAddRam: pl.func('int pl_bus_add_ram(void *b, uint32_t base, uint32_t size, void *host)'),
    busNpages: pl.func('uint32_t pl_bus_npages(void *b)'),
    busWordShared: pl.func('void *pl_bus_word_shared(void *b)'),
    busChunkWritten: pl.func('void *pl_bus_chunk_written(void *b)'),
    busSetAllShared: pl.func('void pl_bus_set_all_shared(void *b, int all)'),
    busPageset: pl.func('void *pl_bus_pageset(void *b, int which, int part)'),
    busEpochPtr: pl.func('void *pl_bus_epoch_ptr(void *b)'),
    busWordReaders: pl.func('void *pl_bus_word_readers(void *b)'),
    busSeenEpochPtr: pl.func('void *pl_bus_seen_epoch_ptr(void *b)'),
    busForgetReaders: pl.func('void pl_bus_forget_readers(void *b)'),
    busBump: pl.func('void pl_bus_bump(void *b)'),
    busHostWrote: pl.func('void pl_bus_host_wrote(void *b, uint32_t a, uint32_t len)'),
    busFree: pl.func('void pl_bus_free(void *b)'),
    busRotation: pl.func('void *pl_bus_rotation(void *b, int part)'),
    rotate: pl.func('uint32_t pl_rotate(void *b, uint32_t ready, uint32_t last, uint32_t quantum, uint32_t max_steps, uint32_t flags)'),
    coreOpen: pl.func('int pl_core_open(void *b, int id, uint32_t model, uint32_t *log, uint32_t cap, _Out_ void **core)'),
    coreOut: pl.func('void *pl_core_out(void *c)'),
    coreUc: pl.func('void *pl_core_uc(void *c)'),
    coreTbs: pl.func('uint32_t pl_core_tbs(void *c)'),
    coreTranslated: pl.func('uint32_t pl_core_translated(void *c)'),
    coreClose: pl.func('void pl_core_close(void *c)'),
    run: pl.func('int pl_run(void *c, uint32_t budget, uint32_t flags, uint32_t until)'),
    regWrite: pl.func('int pl_reg_write(void *c, int regid, uint32_t value)'),
    contextRestore: pl.func('int pl_context_restore(void *c, void *ctx)'),
    cpRead: pl.func('int pl_cp_read(void *c, uint32_t crn, uint32_t crm, uint32_t opc1, uint32_t opc2, _Out_ uint32_t *val)'),
    cpWrite: pl.func('int pl_cp_write(void *c, uint32_t crn, uint32_t crm, uint32_t opc1, uint32_t opc2, uint32_t val)'),
    sbEntries: pl.func('void *pl_core_sb(void *c)'),
    sbState: pl.func('void *pl_core_sb_state(void *c)'),
    sbDrain: pl.func('int pl_sb_drain(void *c, uint32_t i)'),
    sbClear: pl.func('void pl_sb_clear(void *c)'),
    setMemory: pl.func('void pl_core_set_memory(void *c, int relaxed, int noncoherent)'),
  };
}

let lib: ReturnType<typeof loadLibraries> | undefined;
function native() {
  return (lib ??= loadLibraries());
}

export function ucStrerror(code: number): string {
  return native().strerror(code) as string;
}

type Ptr = unknown;

/** Host memory that every core maps: natively allocated, viewed from JS without copies. */
export class HostRam {
  readonly bytes: Uint8Array;
  readonly ptr: Ptr;
  constructor(readonly base: number, readonly size: number) {
    const p = native().alloc(size);
    if (!p) throw new NativeError(`cannot allocate ${size} bytes for RAM at 0x${base.toString(16)}`, -1);
    this.ptr = p;
    this.bytes = new Uint8Array(koffi.view(p, size));
  }
  dispose(): void {
    native().free(this.ptr, this.size);
  }
}

/**
 * A set of pages kept by the stepper: a flag per page, and the list of the
 * flagged ones, so a reset touches only the pages a run touched.
 */
export class PageSet {
  /** a byte per page of all RAM: 1 if in the set */
  readonly flags: Uint8Array;
  private readonly list: Uint32Array;
  private readonly count: Uint32Array;
  constructor(bus: Ptr, which: number, npages: number) {
    const n = native();
    this.flags = new Uint8Array(koffi.view(n.busPageset(bus, which, 0), npages));
    this.list = new Uint32Array(koffi.view(n.busPageset(bus, which, 1), npages * 4));
    this.count = new Uint32Array(koffi.view(n.busPageset(bus, which, 2), 4));
  }
  /** the pages in the set, in the order they joined it */
  pages(): Uint32Array {
    return this.list.subarray(0, this.count[0]!);
  }
  has(g: number): boolean {
    return this.flags[g] === 1;
  }
  add(g: number): void {
    if (this.flags[g]) return;
    this.flags[g] = 1;
    this.list[this.count[0]!++] = g;
  }
  clear(): void {
    const n = this.count[0]!;
    for (let i = 0; i < n; i++) this.flags[this.list[i]!] = 0;
    this.count[0] = 0;
  }
}

/** The native half of the bus: RAM regions, per-page flags, the write epochs, who read which word. */
export class NativeBus {
  readonly ptr: Ptr;
  private disposed = false;
  /** bit per RAM word (global offset / 4): accesses are scheduling points, unless allShared */
  wordShared!: Uint8Array;
  /** pages written since the last reset */
  dirty!: PageSet;
  /** bit per 16 bytes of RAM written since the last reset (32 bytes per page): code run from there may be stale */
  chunkWritten!: Uint8Array;
  /** a byte per RAM word: bit per core that read it in this run (committed only where read) */
  wordReaders!: Uint8Array;
  /** pages where some word has reader bits */
  readers!: PageSet;
  /** the epoch words themselves, read without a native call */
  private readonly epochWord: Uint32Array;
  private readonly seenEpochWord: Uint32Array;
  /** rotate.c's state: the turn records, per core the hash tick and the epoch of its last hash, and [core running now, steps, turns finished, halt] */
  readonly rotation: { records: Uint32Array; ticks: Uint32Array; epochs: Uint32Array; running: Uint32Array };
  constructor() {
    this.ptr = native().busNew();
    const view = (part: number, words: number) => new Uint32Array(koffi.view(native().busRotation(this.ptr, part), words * 4));
    // eight cores at most (MAX_CORES)
    this.rotation = { records: view(0, Rot.Cap * Rot.Words), ticks: view(1, 8), epochs: view(2, 8), running: view(3, 4) };
    this.epochWord = new Uint32Array(koffi.view(native().busEpochPtr(this.ptr), 4));
    this.seenEpochWord = new Uint32Array(koffi.view(native().busSeenEpochPtr(this.ptr), 4));
  }
  addRam(ram: HostRam): void {
    if (native().busAddRam(this.ptr, ram.base, ram.size, ram.ptr) !== 0) {
      throw new NativeError('RAM regions must be added before cores are opened', -1);
    }
    const n = native().busNpages(this.ptr) as number;
    this.wordShared = new Uint8Array(koffi.view(native().busWordShared(this.ptr), n * 128));
    this.dirty = new PageSet(this.ptr, 0, n);
    this.chunkWritten = new Uint8Array(koffi.view(native().busChunkWritten(this.ptr), n * 32));
    this.wordReaders = new Uint8Array(koffi.view(native().busWordReaders(this.ptr), n * 1024));
    this.readers = new PageSet(this.ptr, 1, n);
  }
  private everyWordShared = true;
  set allShared(all: boolean) {
    this.everyWordShared = all;
    native().busSetAllShared(this.ptr, all ? 1 : 0);
  }
  get allShared(): boolean {
    return this.everyWordShared;
  }
  /** changes with every RAM value change and device state change */
  get epoch(): number {
    return this.epochWord[0]!;
  }
  /** a snapshot's restore puts the epochs back: polls compare them */
  setEpochs(epoch: number, seen: number): void {
    this.epochWord[0] = epoch;
    this.seenEpochWord[0] = seen;
  }
  /** changes only with what another core could see: a RAM word some other core read or runs, a shared word, a device */
  get seenEpoch(): number {
    return this.seenEpochWord[0]!;
  }
  /** a new run: no core has read any word yet (the seen-write rule starts afresh) */
  forgetReaders(): void {
    native().busForgetReaders(this.ptr);
  }
  bump(): void {
    native().busBump(this.ptr);
  }
  /**
   * Round-robin turns of `quantum` steps over the cores in `ready` (a bit per
   * id) after `last` (8: none), at most `maxSteps` steps; records in
   * `rotation.records`. Returns how many turns ran.
   */
  rotate(ready: number, last: number, quantum: number, maxSteps: number, flags: number): number {
    return native().rotate(this.ptr, ready, last, quantum, maxSteps, flags) as number;
  }
  hostWrote(address: number, length: number): void {
    native().busHostWrote(this.ptr, address >>> 0, length >>> 0);
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    native().busFree(this.ptr);
  }
}

export type MmioRead = (offset: number, size: number) => number;
export type MmioWrite = (offset: number, size: number, value: number) => void;

const LOG_WORDS = 3 * 8192;

/** One Unicorn engine plus its stepper state. */
export class NativeCore {
  readonly ptr: Ptr;
  readonly uc: Ptr;
  /** pl_run's results, in the stepper's own memory */
  readonly out: Uint32Array;
  readonly log = new Uint32Array(LOG_WORDS);
  private readonly callbacks: unknown[] = [];
  private readonly reg = new Uint32Array(1);
  private closed = false;
  private describe: () => string;

  constructor(bus: NativeBus, readonly id: number, describe: () => string) {
    this.describe = describe;
    const out: Ptr[] = [null];
    const err = native().coreOpen(bus.ptr, id, UC.CPU_ARM_CORTEX_A9, this.log, LOG_WORDS, out) as number;
    if (err) throw this.error('open', err);
    this.ptr = out[0];
    this.uc = native().coreUc(this.ptr);
    this.out = new Uint32Array(koffi.view(native().coreOut(this.ptr), Out.Count * 4));
  }

  private error(what: string, code: number): NativeError {
    return new NativeError(`core ${this.id}: ${what}: ${ucStrerror(code)} (${this.describe()})`, code);
  }

  /** Runs at most `budget` instructions, stopping before `until` (1: never); results land in `out` and `log`. */
  run(budget: number, flags: number, until = 1): void {
    native().run(this.ptr, budget, flags, until);
  }

  /** translation blocks this engine generated since it opened, and their guest bytes */
  get translations(): { blocks: number; bytes: number } {
    return { blocks: native().coreTbs(this.ptr) as number, bytes: native().coreTranslated(this.ptr) as number };
  }

  readReg(regid: number): number {
    const err = native().regRead(this.uc, regid, this.reg) as number;
    if (err) throw this.error(`reading register ${regid}`, err);
    return this.reg[0]!;
  }

  writeReg(regid: number, value: number): void {
    const err = native().regWrite(this.ptr, regid, value >>> 0) as number;
    if (err) throw this.error(`writing register ${regid}`, err);
  }

  readCp15(crn: number, crm: number, opc1: number, opc2: number): number {
    const err = native().cpRead(this.ptr, crn, crm, opc1, opc2, this.reg) as number;
    if (err) throw this.error(`reading cp15 c${crn},c${crm},${opc1},${opc2}`, err);
    return this.reg[0]!;
  }

  writeCp15(crn: number, crm: number, opc1: number, opc2: number, value: number): void {
    const err = native().cpWrite(this.ptr, crn, crm, opc1, opc2, value >>> 0) as number;
    if (err) throw this.error(`writing cp15 c${crn},c${crm},${opc1},${opc2}`, err);
  }

  /** The store buffer, read without a crossing: entries (Sb.Words each) and [length, coherent, stores, shown]. */
  storeBuffer(): { entries: Uint32Array; state: Uint32Array } {
    const n = native();
    return {
      entries: new Uint32Array(koffi.view(n.sbEntries(this.ptr), Sb.Cap * Sb.Words * 4)),
      state: new Uint32Array(koffi.view(n.sbState(this.ptr), 32)),
    };
  }

  /** Entry `index` becomes visible to every core (between runs only). */
  drainStore(index: number): void {
    if ((native().sbDrain(this.ptr, index) as number) !== 0) throw new NativeError(`core ${this.id}: no store buffer entry ${index} to drain`, -1);
  }

  clearStores(): void {
    native().sbClear(this.ptr);
  }

  /** relaxed: stores to shared RAM wait in the buffer; noncoherent: as private cache lines */
  setMemory(relaxed: boolean, noncoherent: boolean): void {
    native().setMemory(this.ptr, relaxed ? 1 : 0, noncoherent ? 1 : 0);
  }

  mapMmio(base: number, size: number, read: MmioRead, write: MmioWrite): void {
    const n = native();
    const r = koffi.register((_uc: unknown, off: number | bigint, sz: number) => BigInt(read(Number(off), sz) >>> 0), koffi.pointer(n.mmioRead));
    const w = koffi.register((_uc: unknown, off: number | bigint, sz: number, v: number | bigint) => write(Number(off), sz, Number(BigInt.asUintN(32, BigInt(v)))), koffi.pointer(n.mmioWrite));
    this.callbacks.push(r, w);
    const err = n.mmioMap(this.uc, base, size, r, null, w, null) as number;
    if (err) throw this.error(`mapping MMIO at 0x${base.toString(16)}`, err);
  }

  /** A saved register context (all modes' banks, coprocessor state). */
  saveContext(): NativeContext {
    const out: Ptr[] = [null];
    let err = native().ctxAlloc(this.uc, out) as number;
    if (err) throw this.error('allocating a context', err);
    err = native().ctxSave(this.uc, out[0]) as number;
    if (err) throw this.error('saving a context', err);
    return new NativeContext(out[0]);
  }

  restoreContext(ctx: NativeContext): void {
    const err = native().contextRestore(this.ptr, ctx.ptr) as number;
    if (err) throw this.error('restoring a context', err);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native().coreClose(this.ptr);
    for (const cb of this.callbacks) koffi.unregister(cb as bigint);
    this.callbacks.length = 0;
  }
}

export class NativeContext {
  private freed = false;
  constructor(readonly ptr: Ptr) {}
  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    native().ctxFree(this.ptr);
  }
}
