/**
 * The memory model a run holds under (docs/memory-model.md).
 *
 * `sc`: every store is visible to every core when it executes.
 * `relaxed`: a core's stores to shared RAM wait in its store buffer (the
 * stepper keeps them, native/relaxed.c) until they drain, one entry at a
 * time, at moments the scheduler chooses. Same-address stores drain in
 * program order; a DMB marks the buffer (no store after it drains before
 * every store before it) and makes the core's next shared load wait for the
 * stores before it; DSB, LDREX/STREX and SWP wait until the buffer is empty;
 * device accesses and SEV do not wait. A core with SCTLR.C=1 and ACTLR.SMP=0
 * is outside the coherency domain: its stores are lines of a private cache
 * that no barrier drains, only a clean (DCCMVAC, DCCIMVAC, DCCSW, DCCISW) or
 * an eviction (a scheduling choice), and its loads read its own (possibly
 * stale) copies of lines until it invalidates them.
 *
 * This module is the TypeScript half: which entries may drain, draining them
 * (with the `visible` event and, when a drain overtakes an older store, a note
 * naming the barrier that forbids it), the CP15 registers the stepper traps
 * (ACTLR, SCTLR writes) and the buffer-related stops of a turn.
 */
import { hex } from '../format.js';
import type { Core } from './core.js';
import type { MachineEvent } from './events.js';
import { MemOp, type NativeCore, Sb } from './native.js';

export type MemoryModel = 'sc' | 'relaxed';
export const MEMORY_MODELS: readonly MemoryModel[] = ['sc', 'relaxed'];

/** a buffered store: `store` counts the core's buffered stores in this run (schedule tokens name it) */
export interface BufferedStore {
  index: number;
  store: number;
  address: number;
  size: number;
  value: number;
  pc: number;
  /** a dirty line of a non-coherent core's cache, not a store-buffer slot */
  cached: boolean;
  /** DMBs the core had passed (with stores buffered) when it stored: a store drains after every store of a smaller count */
  gen: number;
}

/** a drain the scheduler may choose: core `core`'s buffered store number `store` */
export interface DrainOption {
  core: number;
  store: number;
}

/** what the memory model needs from the machine */
export interface MemoryHost {
  readonly cores: Core[];
  readonly steps: number;
  emit(e: MachineEvent): void;
  symbolize(address: number): string;
  /** the firmware's stacks (`__stacks_start/_end`): a late stack store explains no failure */
  readonly stacks: [number, number] | undefined;
}

/**
 * Global steps after which a buffered store drains by default: the
 * architecture makes every store visible in finite time, and a bounded wait
 * (a poll counter) must see it long before its bound runs out.
 */
export const DRAIN_AGE = 20_000;

const SCTLR_C = 1 << 2;
const ACTLR_SMP = 1 << 6;
/** ACTLR as Linux leaves an A9 that joined the coherency domain: SMP and FW set */
export const ACTLR_RESET = ACTLR_SMP | 1;
const MAX_NOTES = 8;

/** does store `e` touch the 32-byte line at `line`? */
function inLine(e: BufferedStore, line: number): boolean {
  return (e.address & ~31) >>> 0 === line || ((e.address + e.size - 1) & ~31) >>> 0 === line;
}

function overlaps(a: BufferedStore, b: BufferedStore): boolean {
  return a.address < b.address + b.size && b.address < a.address + a.size;
}

/**
 * May `e` (of its core's entries `es`, in program order) become visible now?
 * Not before an older store to the same bytes (coherence), and, for a store
 * buffer slot, not before an older slot a DMB separates it from (the DMB's
 * marker). A non-coherent core's cache lines are ordered by nothing else.
 */
function drainable(es: BufferedStore[], e: BufferedStore): boolean {
  for (let i = 0; i < e.index; i++) {
    const o = es[i]!;
    if (overlaps(o, e)) return false;
    if (!e.cached && !o.cached && o.gen !== e.gen) return false;
  }
  return true;
}

export class StoreBuffers {
  model: MemoryModel = 'sc';
  /** per core: ACTLR as the firmware last wrote it (Unicorn keeps it constant) */
  private readonly actlr: number[];
  /** per core: stopped at a DSB until its coherent entries drain */
  private readonly atBarrier: boolean[];
  /** per core: stopped at a load after a DMB until the coherent entries before the DMB drain */
  private readonly atFence: boolean[];

  /** per core: stale reads of its own cache lines already noted (the stepper's count) */
  private readonly staleSeen: number[];
  /** why a failure needed a reordering: drains that overtook older stores, events sent ahead of stores */
  readonly notes: string[] = [];
  private views = new Map<NativeCore, { entries: Uint32Array; state: Uint32Array }>();
  /** per core: the global step at which each buffered store (by number) was seen, and the last numbered */
  private readonly stamps: Map<number, number>[];
  private readonly stamped: number[];
  /** per core: stores a note already explains */
  private readonly noted: Set<number>[];
  /** under sc (the only model snapshots hold) the buffers are empty: ACTLR (MRC reads it back) and barrier waits remain */
  readonly stateFields = ['actlr', 'atBarrier', 'atFence', 'staleSeen'];

  constructor(private readonly m: MemoryHost) {
    this.actlr = m.cores.map(() => ACTLR_RESET);
    this.atBarrier = m.cores.map(() => false);
    this.atFence = m.cores.map(() => false);
    this.staleSeen = m.cores.map(() => 0);
    this.stamps = m.cores.map(() => new Map());
    this.stamped = m.cores.map(() => 0);
    this.noted = m.cores.map(() => new Set());
  }

  get relaxed(): boolean {
    return this.model === 'relaxed';
  }

  private view(id: number): { entries: Uint32Array; state: Uint32Array } {
    const n = this.m.cores[id]!.native;
    let v = this.views.get(n);
    if (!v) {
      if (this.views.size > 4 * this.m.cores.length) this.views.clear(); // engines reopened
      v = n.storeBuffer();
      this.views.set(n, v);
    }
    return v;
  }

  /** Back to the loaded state under `model`: empty buffers, ACTLR at reset, coherent cores. */
  reset(model: MemoryModel): void {
    this.model = model;
    this.notes.length = 0;
    this.atBarrier.fill(false);
    this.atFence.fill(false);
    this.staleSeen.fill(0);
    this.stamped.fill(0);
    for (const s of this.stamps) s.clear();
    for (const s of this.noted) s.clear();
    for (const c of this.m.cores) {
      c.native.clearStores();
      this.actlr[c.id] = ACTLR_RESET;
      this.applyCoherence(c);
    }
  }

  /** a core came out of reset: ACTLR and SCTLR as at boot (its buffer is left to drain) */
  powerOn(core: Core): void {
    this.actlr[core.id] = ACTLR_RESET;
    this.atBarrier[core.id] = false;
    this.atFence[core.id] = false;
    this.applyCoherence(core);
  }

  private applyCoherence(c: Core): void {
    const cached = this.relaxed && (c.native.readCp15(1, 0, 0, 0) & SCTLR_C) !== 0 && (this.actlr[c.id]! & ACTLR_SMP) === 0;
    c.native.setMemory(this.relaxed, cached);
  }

  length(id: number): number {
    return this.relaxed ? this.view(id).state[0]! : 0;
  }

  /** entries that DMB and DSB wait for (not a non-coherent core's cache lines) */
  coherent(id: number): number {
    return this.relaxed ? this.view(id).state[1]! : 0;
  }

  /** how many stores core `id` has buffered in this run (the last store's number) */
  stores(id: number): number {
    return this.relaxed ? this.view(id).state[2]! : 0;
  }

  /**
   * What core `id`'s buffer holds back: 2 a load (a DMB separates a buffered
   * store from now), 1 a DSB (coherent stores are buffered), 0 nothing.
   */
  holds(id: number): number {
    if (this.coherent(id) === 0) return 0;
    return this.fenced(id) ? 2 : 1;
  }

  /** core `id`'s last turn ended waiting for its buffer: at a DSB, or at a load after a DMB */
  waiting(id: number): boolean {
    return this.atBarrier[id]! || this.atFence[id]!;
  }

  /** some store is still waiting to become visible */
  get pending(): boolean {
    if (!this.relaxed) return false;
    for (const c of this.m.cores) if (this.view(c.id).state[0]) return true;
    return false;
  }

  /** core `id` waits at a DSB for its buffer to drain, or at a load after a DMB for the stores before it */
  blocked(id: number): boolean {
    if (this.atBarrier[id]) {
      if (this.coherent(id) > 0) return true;
      this.atBarrier[id] = false;
    }
    if (this.atFence[id]) {
      if (this.fenced(id)) return true;
      this.atFence[id] = false;
    }
    return false;
  }

  /** a DMB separates core `id`'s oldest coherent store from now */
  private fenced(id: number): boolean {
    const oldest = this.entries(id).find((e) => !e.cached);
    return oldest !== undefined && oldest.gen !== this.view(id).state[4];
  }

  entries(id: number): BufferedStore[] {
    const { entries, state } = this.view(id);
    const out: BufferedStore[] = [];
    for (let i = 0; i < state[0]!; i++) {
      const e = entries.subarray(i * Sb.Words, (i + 1) * Sb.Words);
      const size = e[Sb.Meta]! & 0xff;
      out.push({
        index: i, store: e[Sb.Seq]!, address: e[Sb.Addr]!, size, pc: e[Sb.Pc]!,
        value: size >= 4 ? e[Sb.Data]! : e[Sb.Data]! & ((1 << (8 * size)) - 1),
        cached: (e[Sb.Meta]! & Sb.Cached) !== 0,
        gen: e[Sb.Gen]!,
      });
    }
    return out;
  }

  /** the drains allowed now: every store no older store of its core holds back (drainable) */
  options(): DrainOption[] {
    const out: DrainOption[] = [];
    if (!this.relaxed) return out;
    for (const c of this.m.cores) {
      const es = this.entries(c.id);
      for (const e of es) if (drainable(es, e)) out.push({ core: c.id, store: e.store });
    }
    return out;
  }

  /** after core `id`'s native run: its new stores were buffered by now (global step) */
  ran(id: number): void {
    if (!this.relaxed) return;
    const state = this.view(id).state;
    if (state[5]! !== this.staleSeen[id]) {
      this.staleSeen[id] = state[5]!;
      const s = (a: number) => this.m.symbolize(a);
      this.note(`core ${id} read ${s(state[6]!)} at ${s(state[7]!)} from a stale line of its own cache: it was outside the coherency domain (SCTLR.C=1, ACTLR.SMP=0), where other cores' stores do not reach its cache; invalidate the line (DCIMVAC) before reading it`);
    }
    const stores = state[2]!;
    const s = this.stamps[id]!;
    for (let n = this.stamped[id]! + 1; n <= stores; n++) s.set(n, this.m.steps);
    this.stamped[id] = stores;
  }

  /** the default when nothing else can go on: the oldest store of the lowest core that has one */
  defaultDrain(): { core: number; store: number } | undefined {
    for (const c of this.m.cores) {
      const e = this.entries(c.id)[0];
      if (e) return { core: c.id, store: e.store };
    }
    return undefined;
  }

  /** a store buffered for DRAIN_AGE steps or more: it drains by default, whatever else could run */
  overdue(): { core: number; store: number } | undefined {
    for (const c of this.m.cores) {
      if (!this.view(c.id).state[0]) continue;
      const e = this.entries(c.id)[0]!;
      if (this.m.steps - (this.stamps[c.id]!.get(e.store) ?? this.m.steps) >= DRAIN_AGE) return { core: c.id, store: e.store };
    }
    return undefined;
  }

  /** Core `id`'s store number `store` becomes visible. Returns false if it is not buffered or an older store to it is. */
  drain(id: number, store: number): boolean {
    const es = this.entries(id);
    const e = es.find((x) => x.store === store);
    if (!e || !drainable(es, e)) return false;
    const older = es.slice(0, e.index).find((o) => o.cached === e.cached);
    if (older) this.noteOvertaken(id, e, older);
    this.m.cores[id]!.native.drainStore(e.index);
    this.stamps[id]!.delete(e.store);
    this.m.emit({ kind: 'visible', step: this.m.steps, core: id, store: e.store, address: e.address, size: e.size, value: e.value, pc: e.pc, ...(e.cached ? { cached: true } : {}) });
    return true;
  }

  /** every store of core `id` (or only its cache lines, or those in one 32-byte line) in program order */
  drainAll(id: number, which: (e: BufferedStore) => boolean = () => true): void {
    for (const e of this.entries(id)) if (which(e)) this.drain(id, e.store);
  }

  /**
   * The stepper stopped a relaxed core before an instruction (MemOp). A
   * barrier leaves it waiting (false: its turn ends); a clean writes the
   * lines back (in program order, within the turn); a nearly full buffer
   * drains its oldest half (program order).
   */
  stopped(id: number, op: number, arg: number): boolean {
    switch (op) {
      case MemOp.Barrier:
        this.atBarrier[id] = true;
        return false;
      case MemOp.Fence:
        this.atFence[id] = true;
        return false;
      case MemOp.CleanLine:
        this.drainAll(id, (e) => e.cached && inLine(e, arg));
        return true;
      case MemOp.CleanAll:
        this.drainAll(id, (e) => e.cached);
        return true;
      case MemOp.Full: {
        const es = this.entries(id);
        for (const e of es.slice(0, es.length >> 1)) this.drain(id, e.store);
        return true;
      }
      default:
        throw new Error(`unknown memory stop ${op}`);
    }
  }

  /**
   * MRC/MCR p15 ACTLR and MCR p15 SCTLR, trapped so that the model sees the
   * coherency state change (Unicorn keeps ACTLR constant). Returns an error
   * message for Rt = PC.
   */
  cp15(core: Core, word: number): string | undefined {
    const rt = core.thumb ? (word >>> 28) & 0xf : (word >>> 12) & 0xf;
    if (rt === 15) return `MRC/MCR of ACTLR or SCTLR with r15 at ${hex(core.pc)} is unpredictable`;
    const read = ((core.thumb ? word >>> 4 : word >>> 20) & 1) === 1;
    const opc2 = ((core.thumb ? word >>> 21 : word >>> 5) & 7);
    if (read) core.setReg(rt, this.actlr[core.id]!);
    else if (opc2 === 1) this.actlr[core.id] = core.reg(rt);
    else core.native.writeCp15(1, 0, 0, 0, core.reg(rt));
    if (!read) this.applyCoherence(core);
    return undefined;
  }

  /**
   * core `id` sends an event (SEV) or writes a device while stores wait in
   * its buffer; `dmbOrders` says what a DMB between them would have ordered
   */
  noteAhead(id: number, what: string, dmbOrders: string): void {
    const e = this.entries(id).find((x) => !x.cached && !this.onStack(x.address) && !this.noted[id]!.has(x.store));
    if (!e) return;
    this.noted[id]!.add(e.store);
    const dmb = e.gen !== this.view(id).state[4] ? ` (the DMB after the store ${dmbOrders})` : '';
    this.note(`${what} by core ${id} went ahead of its store to ${this.m.symbolize(e.address)} at ${this.m.symbolize(e.pc)}, not yet visible; a DSB before it forbids this${dmb}`);
  }

  private onStack(address: number): boolean {
    const s = this.m.stacks;
    return s !== undefined && address >= s[0] && address < s[1];
  }

  private noteOvertaken(id: number, e: BufferedStore, older: BufferedStore): void {
    const s = (a: number) => this.m.symbolize(a);
    if (e.cached) {
      this.note(`core ${id}'s cache wrote back its store to ${s(e.address)} at ${s(e.pc)} before its store to ${s(older.address)} at ${s(older.pc)}: the core was outside the coherency domain (SCTLR.C=1, ACTLR.SMP=0), where no barrier orders them; clean the cache before clearing ACTLR.SMP`);
    } else {
      this.note(`store to ${s(e.address)} at ${s(e.pc)} became visible before store to ${s(older.address)} at ${s(older.pc)}; a DMB between them forbids this`);
    }
  }

  private note(text: string): void {
    if (this.notes.length < MAX_NOTES && !this.notes.includes(text)) this.notes.push(text);
  }
}
