/**
 * The visible operation of each decision, for dynamic partial-order
 * reduction (explore/dpor.ts): what the turn a decision started touched that
 * another core could observe or that another core's turn could change.
 *
 * An operation names *objects*, each read or written:
 * - a shared RAM word (its address): loads, stores, and instruction fetches
 *   (code another core may overwrite is read by running it); with the
 *   clobber check on, a core's entry into a safe region (and its power-off)
 *   reads every shared word it fetched since it last entered one, since the
 *   check's verdict on a store to that code depends on which came first;
 *   under --strict-code-sync a core's context synchronization (ISB,
 *   exception entry, power-on) reads its "code synchronized" object, which
 *   every store to a shared word writes for every other core;
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
 * Under --memory relaxed a store is not a write of the turn that executes
 * it: it is buffered, and its *drain* (a decision of its own) writes the
 * word, the moment other cores can see it. Drains are operations of
 * pseudo-threads, one per (core, word) — stores to one word drain in
 * program order, stores to different words in any — numbered after the
 * cores. Ordering that is not a conflict goes through enabling objects: the
 * turn that buffered a store comes before its drain; every store before a
 * DMB drains before any after it; a core that waited at a DSB (or at a load
 * after a DMB) resumes after the drains it waited for. A turn that stopped
 * to wait reads its core's "released" object, which a drain writes when it
 * lets the core past a barrier (the buffer emptied, or the last store before
 * a DMB drained). That is for sleep sets only (a sleeping turn that would
 * stop at the barrier goes further once released): as a race it is never
 * reversed, since a barrier only splits a turn; what it orders, the enabling
 * objects above order. And a turn that goes to sleep in WFE reads the words
 * its core read since it last slept (its wait loop's): a drain to one of
 * them before the WFE is seen by the loop, after it only by an early wake
 * (early-wake.ts offers one then), so the two orders are explored.
 *
 * Two operations of different cores conflict when one writes an object the
 * other reads or writes, or either is global. That is the whole dependency
 * relation DPOR uses; docs/exploration.md states it for users.
 */
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import { isContextSync } from '../machine/arm.js';

export interface Operation {
  /** the core that did it (an early wake's is the woken core) */
  core: number;
  reads: number[];
  writes: number[];
  global?: true;
  /** a repeated poll: the core read the same value at the same PC again, having written nothing (it is spinning) */
  poll?: true;
  /** --memory relaxed: a drain of this core's store (`core` is then its pseudo-thread) */
  owner?: number;
  /** --memory relaxed: a clean in this turn wrote a non-coherent core's lines back, in program order */
  cleaned?: true;
}

/**
 * Do operations a (earlier) and b touch object `obj` in a way that orders
 * them? A core reads its own buffered store whether or not it has drained,
 * so a drain and its own core's accesses to the word commute.
 */
export function ownWord(a: Operation, b: Operation, obj: number): boolean {
  return obj % 4 === 0 && (a.owner === b.core || b.owner === a.core);
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
// --memory relaxed, per core and store number (which may exceed 16 bits): kinds 11 and 12 only order
const STORE_KINDS = 2 ** 36;
const storeObject = (kind: number, core: number, store: number) => ((kind * 16 + core) * STORE_KINDS + store) * 2 + 1;
const stored = (core: number, store: number) => storeObject(11, core, store);
const drained = (core: number, store: number) => storeObject(12, core, store);
const released = (core: number) => object(11, core);
/** --strict-code-sync: core C's context synchronization, against other cores' stores */
const codeSync = (core: number) => object(13, core);

/** objects only sleep sets look at (conflicts), never races: a core let past a barrier */
export function isSleepOnly(obj: number): boolean {
  return obj % 2 === 1 && obj < STORE_KINDS && ((obj - 1) / 2) >> 20 === 11;
}
const RECENT_DRAINS = 64;

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
  if (obj % 2 !== 1) return false;
  const half = (obj - 1) / 2;
  if (half >= STORE_KINDS) {
    const kind = Math.floor(half / STORE_KINDS / 16);
    return kind === 11 || kind === 12;
  }
  const kind = half >> 20;
  return kind === 8 || kind === 9;
}

export function conflicts(a: Operation, b: Operation): boolean {
  if (a.global || b.global) return true;
  for (const o of a.writes) if ((b.writes.includes(o) || b.reads.includes(o)) && !ownWord(a, b, o)) return true;
  for (const o of b.writes) if (a.reads.includes(o) && !ownWord(a, b, o)) return true;
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
  // --memory relaxed
  private relaxed = false;
  /** the open operation is core `drainOf`'s drain (this.core is then its pseudo-thread) */
  private drainOf = -1;
  private storesAtBegin = 0;
  /** pseudo-thread of each (core, word) that drained */
  private readonly threads = new Map<string, number>();
  /** per core: the DMB count of each store seen buffered, and of each store drained */
  private readonly genOf: Map<number, number>[];
  private readonly drainedGen: Map<number, number>[];
  /** per core: its last turn ended waiting for its buffer; the stores drained since */
  private readonly waitingFor: (number[] | undefined)[];
  /** the open turn wrote a non-coherent core's lines back (a clean) */
  private cleaned = false;
  /** the open drain's core held a barrier back this much before it (StoreBuffers.holds) */
  private heldBefore = 0;
  /** per core: shared words it read since it last slept in WFE */
  private readonly loopWords: Set<number>[];
  /** per core: shared words it fetched since it last entered a safe region (what a store would clobber), and whether it is in one */
  private readonly sinceSafe: Set<number>[];
  private readonly inSafe: boolean[];
  /** --strict-code-sync, per core: it just fetched an ISB (its context synchronizes at the next fetch) */
  private readonly syncNext: boolean[];
  /** mid-operation too: a snapshot between decisions holds the open operation (the relaxed fields stay empty under sc, the only model snapshots hold) */
  readonly stateFields = [
    'core', 'reads', 'writes', 'global', 'pendingWake', 'pendingOn', 'distributorWritten', 'relaxed', 'drainOf', 'storesAtBegin',
    'threads', 'genOf', 'drainedGen', 'waitingFor', 'cleaned', 'heldBefore', 'loopWords', 'sinceSafe', 'inSafe', 'syncNext',
  ];

  constructor(private readonly machine: Machine, private readonly shared: { has(word: number): boolean }) {
    const n = machine.cores.length;
    this.pendingWake = new Array<boolean>(n).fill(false);
    this.pendingOn = new Array<boolean>(n).fill(false);
    this.board = machine.board;
    this.genOf = machine.cores.map(() => new Map());
    this.drainedGen = machine.cores.map(() => new Map());
    this.waitingFor = machine.cores.map(() => undefined);
    this.loopWords = machine.cores.map(() => new Set());
    this.sinceSafe = machine.cores.map(() => new Set());
    this.inSafe = machine.cores.map(() => false);
    this.syncNext = machine.cores.map(() => false);
  }

  /** forget everything: a new run from reset */
  reset(): void {
    this.core = -1;
    this.reads.clear();
    this.writes.clear();
    this.global = false;
    this.pendingWake.fill(false);
    this.pendingOn.fill(false);
    this.relaxed = this.machine.memory.relaxed;
    this.drainOf = -1;
    this.threads.clear();
    for (const m of this.genOf) m.clear();
    for (const m of this.drainedGen) m.clear();
    this.waitingFor.fill(undefined);
    for (const s of this.loopWords) s.clear();
    for (const s of this.sinceSafe) s.clear();
    this.inSafe.fill(false);
    this.syncNext.fill(false);
  }

  /** a decision starts an operation of `core` (a turn, or `core`'s early wake) */
  begin(core: number, wake: boolean): void {
    this.core = core;
    this.reads.clear();
    this.writes.clear();
    this.global = false;
    this.distributorWritten = false;
    this.drainOf = -1;
    this.cleaned = false;
    if (wake) {
      this.writes.add(woken(core));
      return;
    }
    if (this.relaxed) {
      this.storesAtBegin = this.machine.memory.stores(core);
      // it waited for its buffer: it resumes after the drains it waited for
      for (const s of this.waitingFor[core] ?? []) this.reads.add(drained(core, s));
      this.waitingFor[core] = undefined;
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

  /**
   * A decision makes core `core`'s buffered store `store` visible: an
   * operation of the pseudo-thread of its (core, word), after the turn that
   * buffered it and after every drain of a store a DMB put before it.
   */
  beginDrain(core: number, store: number): void {
    const e = this.machine.memory.entries(core).find((x) => x.store === store);
    const key = `${core}:${(e?.address ?? 0) & ~3}`;
    let thread = this.threads.get(key);
    if (thread === undefined) this.threads.set(key, (thread = this.machine.cores.length + this.threads.size));
    this.core = thread;
    this.drainOf = core;
    this.reads.clear();
    this.writes.clear();
    this.global = false;
    this.distributorWritten = false;
    this.reads.add(stored(core, store));
    this.heldBefore = this.machine.memory.holds(core);
    if (e) this.genOf[core]!.set(store, e.gen);
    if (e && !e.cached) for (const [s, g] of this.drainedGen[core]!) if (g < e.gen) this.reads.add(drained(core, s));
  }

  /** the operation started by the last `begin`, now that its turn is over (undefined before the first) */
  end(): Operation | undefined {
    if (this.core < 0) return undefined;
    if (this.drainOf >= 0) {
      if (this.machine.memory.holds(this.drainOf) < this.heldBefore) this.writes.add(released(this.drainOf));
      const op: Operation = { core: this.core, reads: [...this.reads], writes: [...this.writes], owner: this.drainOf };
      if (this.machine.ended) op.global = true;
      this.core = -1;
      this.drainOf = -1;
      return op;
    }
    if (this.relaxed) this.buffered(this.core);
    const cleaned = this.cleaned;
    this.cleaned = false;
    if (this.distributorWritten) this.signalled();
    this.distributorWritten = false;
    const c = this.machine.cores[this.core]!;
    if (c.state === 'running' && !c.irqMasked) this.reads.add(irqLine(this.core));
    if (this.machine.ended) this.global = true;
    const op: Operation = { core: this.core, reads: [...this.reads], writes: [...this.writes] };
    if (cleaned) op.cleaned = true;
    if (this.global) op.global = true;
    this.core = -1;
    return op;
  }

  /** a turn of `core` is over: the stores it buffered, and what it waits for if it stopped at a barrier */
  private buffered(core: number): void {
    const memory = this.machine.memory;
    for (let s = this.storesAtBegin + 1; s <= memory.stores(core); s++) this.writes.add(stored(core, s));
    const gens = this.genOf[core]!;
    const entries = memory.entries(core);
    for (const e of entries) gens.set(e.store, e.gen);
    if (!memory.waiting(core)) return;
    this.waitingFor[core] = [];
    this.reads.add(released(core));
  }

  private touchesShared(address: number, size: number): boolean {
    for (let w = address & ~3; w < address + size; w += 4) if (this.shared.has(w)) return true;
    return false;
  }

  private words(address: number, size: number, into: Set<number>): void {
    for (let w = address & ~3; w < address + size; w += 4) if (this.shared.has(w)) into.add(w);
  }

  fetch(core: number, _step: number, pc: number, size: number, word: number): void {
    if (core !== this.core) return;
    this.words(pc, size, this.reads);
    const checks = this.machine.codeChecks;
    if (checks) {
      this.fetchedCode(core, pc, size, checks.safe);
      if (checks.strictSync) {
        if (this.syncNext[core]) {
          this.syncNext[core] = false;
          this.synchronized(core);
        }
        if (size === 4 && isContextSync(word)) this.syncNext[core] = true;
      }
    }
    const s = sleepKind(size, word);
    if (s === 'wfe') this.reads.add(EVENT);
    else if (s === 'wfi') this.reads.add(irqLine(core));
  }

  /**
   * The clobber check (ClobberDetector) reports a store to code a core
   * fetched since it last entered a safe region, so whether a store clobbers
   * depends on which comes first: the store, or the victim's entry into a
   * safe region (or its power-off). The entry reads every shared word the
   * core fetched since its last one, so DPOR explores both orders even when
   * the core has no visible operation between its last fetch of the code and
   * the entry.
   */
  private fetchedCode(core: number, pc: number, size: number, safe: (a: number) => boolean): void {
    if (safe(pc)) {
      if (!this.inSafe[core]) {
        this.inSafe[core] = true;
        this.leftCode(core);
      }
    } else {
      this.inSafe[core] = false;
    }
    this.words(pc, size, this.sinceSafe[core]!);
  }

  /** core `core` no longer runs the code it fetched (it entered a safe region, or went off) */
  private leftCode(core: number): void {
    for (const w of this.sinceSafe[core]!) this.reads.add(w);
    this.sinceSafe[core]!.clear();
  }

  /**
   * Under --strict-code-sync the stale-code check reports a fetch of bytes
   * another core wrote since the fetching core's last context
   * synchronization (ISB, exception entry, power-on). So a synchronization
   * and another core's store to a shared word it may fetch later never
   * commute, in whichever order they came: the synchronization reads the
   * core's "code synchronized" object, which every store to a shared word
   * writes for every other core.
   */
  private synchronized(core: number): void {
    this.reads.add(codeSync(core));
  }

  read(core: number, _step: number, address: number, size: number): void {
    if (core !== this.core) return;
    this.words(address, size, this.reads);
    if (this.relaxed) this.words(address, size, this.loopWords[core]!);
  }

  write(core: number, _step: number, address: number, size: number): void {
    // relaxed: the store is buffered; its drain writes the word
    if (core === this.core && this.drainOf < 0 && !this.relaxed) this.words(address, size, this.writes);
    // (the stale-code check counts a store when it executes, buffered or not)
    if (core === this.core && this.machine.codeChecks?.strictSync && this.touchesShared(address, size)) {
      for (let v = 0; v < this.machine.cores.length; v++) if (v !== core) this.writes.add(codeSync(v));
    }
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
      case 'exception-entry':
        if (e.exception === 'irq') this.reads.add(irqLine(e.core));
        if (this.machine.codeChecks?.strictSync) this.synchronized(e.core);
        break;
      case 'sleep':
        this.reads.add(e.how === 'wfe' ? EVENT : irqLine(e.core));
        if (this.relaxed && e.how === 'wfe' && e.core === this.core) {
          for (const w of this.loopWords[e.core]!) this.reads.add(w);
          this.loopWords[e.core]!.clear();
        }
        break;
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
          if (this.machine.codeChecks?.strictSync) this.synchronized(e.core);
        } else {
          this.leftCode(e.core);
        }
        break;
      case 'semihosting':
        this.writes.add(OUTPUT);
        if (e.name === 'SYS_EXIT' || e.name === 'SYS_EXIT_EXTENDED' || e.op === SYS_EXIT || e.op === SYS_EXIT_EXTENDED) this.global = true;
        break;
      case 'console': this.writes.add(OUTPUT); break;
      case 'visible': {
        // a store became visible: in a drain decision, or inside a turn (a clean, a full buffer, a debugger call)
        if (this.core < 0) break;
        if (e.cached && this.drainOf < 0) this.cleaned = true;
        this.words(e.address, e.size, this.writes);
        this.writes.add(drained(e.core, e.store));
        const done = this.drainedGen[e.core]!;
        done.set(e.store, this.genOf[e.core]!.get(e.store) ?? 0);
        // a bound on the DMB edges each drain takes: older drains are ordered before it through the turns between
        if (done.size > RECENT_DRAINS) done.delete(done.keys().next().value!);
        this.waitingFor[e.core]?.push(e.store);
        break;
      }
      case 'hazard': this.global = true; break;
      default: break;
    }
  }
}

const recorders = new WeakMap<Machine, OperationRecorder>();

/**
 * The machine's recorder for policies made from a spec (`dpor:...`):
 * subscribed on first use and reset with the machine; the words it records
 * are the machine's scheduling points at the time of each access.
 */
export function machineOperations(machine: Machine): OperationRecorder {
  let r = recorders.get(machine);
  if (!r) {
    const recorder = new OperationRecorder(machine, { has: (w) => machine.bus.isSharedWord(w) });
    machine.events.subscribe(recorder);
    machine.onReset(() => recorder.reset());
    machine.holdsState(recorder);
    recorders.set(machine, (r = recorder));
  }
  return r;
}
