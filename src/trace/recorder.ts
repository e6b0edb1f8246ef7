/**
 * Builds trace records from the machine's event stream. An instruction's
 * record is complete only when the next one starts (its register deltas come
 * from the stepper after it, docs/architecture.md "Events"), so the recorder
 * holds one pending instruction per run and the events that arrive while it
 * is pending follow it.
 *
 * The pending instruction is a handful of numbers in one reused `InsnView`,
 * encoded straight into the writer's buffer (encode.ts): a long trace
 * allocates nothing per instruction. Each core's registers are shadowed from
 * the stepper's deltas and its between-run settings (exception entry, reset,
 * emulated instructions), so mode and Thumb state, and the value of a
 * register written with the value it held, need no register read per step.
 */
import { InputError } from '../errors.js';
import { disassemble, writtenRegisters } from '../disasm.js';
import { conditionHolds } from '../machine/core.js';
import { wordBytes } from '../format.js';
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import { TRACED_REGS } from '../machine/native.js';
import { InsnText, type InsnView, MEM_STRIDE } from './encode.js';
import { keeps, keepsInsn, type TraceSelection, type WindowEdge } from './filter.js';
import type { TraceWriter } from './output.js';
import { eventRecord, type TraceRecord } from './record.js';

const CPSR = TRACED_REGS.indexOf('cpsr');
const CPSR_T = 1 << 5;

/** an instruction as fetched at a PC: what every execution of it shares */
interface Decoded {
  word: number;
  size: number;
  thumb: boolean;
  sym: string;
  symName: string;
  asm: string;
  /** bit per TRACED_REGS index: the registers it writes when its condition passes */
  writes: number;
  /** by mode bits: the encoded text */
  texts: InsnText[];
  /** --trace-filter symbol=: whether its symbol passes (decided once) */
  symbolKept?: boolean;
}

/** whether an instruction's condition passes: ARM's cond field, or Thumb's ITSTATE */
function executes(word: number, thumb: boolean, cpsr: number): boolean {
  let cond: number;
  if (thumb) {
    const it = ((cpsr >>> 25) & 3) | ((cpsr >>> 8) & 0xfc);
    if ((it & 0xf) === 0) return true;
    cond = it >>> 4;
  } else {
    cond = word >>> 28;
    if (cond === 0xf) return true;
  }
  return conditionHolds(cond, cpsr);
}

export class TraceRecorder implements MachineObserver {
  private readonly view: InsnView = {
    step: 0, core: 0, text: undefined as unknown as InsnText, regMask: 0, regs: new Uint32Array(TRACED_REGS.length),
    memCount: 0, mem: new Uint32Array(16 * MEM_STRIDE),
  };
  private pending: Decoded | undefined;
  private pendingPc = 0;
  private queued: TraceRecord[] = [];
  /** per core: its registers as the last instruction (or the machine, between runs) left them */
  private readonly shadow: Uint32Array[];
  private readonly stale: boolean[] = [];
  private readonly decoded = new Map<number, Decoded[]>();
  private readonly symCache = new Map<number, string>();
  private readonly regions: { name: string; base: number; size: number }[];
  private readonly other: number;
  /** device regions by name: their index in the writer's region names */
  private readonly deviceRegions = new Map<string, number>();
  private state: 'before' | 'open' | 'after';
  private readonly fromPc: number | undefined;
  private readonly toPc: number | undefined;

  constructor(private readonly machine: Machine, private readonly out: TraceWriter, private readonly sel: TraceSelection = {}) {
    const b = machine.board;
    this.regions = [b.sram, b.dram];
    this.other = this.regions.length;
    const names = [...this.regions.map((r) => r.name), 'other'];
    for (const m of machine.bus.mappings) {
      if (!this.deviceRegions.has(m.region)) this.deviceRegions.set(m.region, names.push(m.region) - 1);
    }
    out.names(TRACED_REGS, names);
    this.shadow = machine.cores.map(() => new Uint32Array(TRACED_REGS.length));
    for (const c of machine.cores) this.readRegisters(c.id);
    this.fromPc = this.symbolAddress('--trace-from', sel.from);
    this.toPc = this.symbolAddress('--trace-to', sel.to);
    this.state = sel.from ? 'before' : 'open';
  }

  private readRegisters(core: number): void {
    const c = this.machine.cores[core]!;
    const regs = this.shadow[core]!;
    for (let i = 0; i < regs.length; i++) regs[i] = i === CPSR ? c.cpsr : c.reg(i);
  }

  private symbolAddress(option: string, edge: WindowEdge | undefined): number | undefined {
    if (!edge || !('symbol' in edge)) return undefined;
    const s = this.machine.firmware.symbol(edge.symbol);
    if (!s) throw new InputError(`${option} ${edge.symbol}: no such symbol in ${this.machine.firmware.path}`);
    return (s.address & ~1) >>> 0;
  }

  private sym(pc: number): string {
    let s = this.symCache.get(pc);
    if (s === undefined) this.symCache.set(pc, (s = this.machine.symbolize(pc)));
    return s;
  }

  private region(address: number): number {
    for (let i = 0; i < this.regions.length; i++) {
      const r = this.regions[i]!;
      if (address - r.base >= 0 && address - r.base < r.size) return i;
    }
    return this.other;
  }

  private decode(pc: number, size: number, word: number, thumb: boolean): Decoded {
    let at = this.decoded.get(pc);
    if (!at) this.decoded.set(pc, (at = []));
    for (const d of at) if (d.word === word && d.size === size && d.thumb === thumb) return d;
    const sym = this.sym(pc);
    const bytes = wordBytes(word, size);
    let writes = 0;
    for (const r of writtenRegisters(bytes, pc, thumb)) writes |= 1 << TRACED_REGS.indexOf(r as (typeof TRACED_REGS)[number]);
    const d: Decoded = {
      word, size, thumb, sym, symName: sym.replace(/\+0x[0-9a-f]+$/, ''),
      asm: disassemble(bytes, pc, thumb), writes, texts: [],
    };
    at.push(d);
    return d;
  }

  fetch(core: number, step: number, pc: number, size: number, word: number): void {
    this.flush();
    if (this.stale[core]) {
      this.stale[core] = false;
      this.readRegisters(core);
    }
    const cpsr = this.shadow[core]![CPSR]!;
    const thumb = (cpsr & CPSR_T) !== 0;
    const d = this.decode(pc, size, word, thumb);
    const mode = cpsr & 0x1f;
    const v = this.view;
    v.text = d.texts[mode] ??= new InsnText(pc, (word >>> 0).toString(16).padStart(size * 2, '0').slice(-size * 2), thumb, mode, d.sym, d.asm);
    v.step = step;
    v.core = core;
    // every register it writes is listed: one it wrote with the value it held shows that value, the rest come as deltas
    v.regMask = d.writes && executes(word, thumb, cpsr) ? d.writes : 0;
    v.memCount = 0;
    v.regs.set(this.shadow[core]!);
    this.pending = d;
    this.pendingPc = pc;
  }

  private access(write: number, core: number, address: number, size: number, value: number, region: number): void {
    const v = this.view;
    if (!this.pending || v.core !== core) return;
    if ((v.memCount + 1) * MEM_STRIDE > v.mem.length) {
      const bigger = new Uint32Array(v.mem.length * 2);
      bigger.set(v.mem);
      v.mem = bigger;
    }
    const at = v.memCount++ * MEM_STRIDE;
    v.mem[at] = write | (size << 1) | (region << 8);
    v.mem[at + 1] = address;
    v.mem[at + 2] = value;
  }

  read(core: number, _step: number, address: number, size: number, value: number): void {
    this.access(0, core, address, size, value, this.region(address));
  }

  write(core: number, _step: number, address: number, size: number, value: number): void {
    this.access(1, core, address, size, value, this.region(address));
  }

  /** a device register access is a memory access of the instruction too, in its region */
  deviceData(core: number, write: boolean, address: number, size: number, value: number, region: string): void {
    this.access(write ? 1 : 0, core, address, size, value, this.deviceRegions.get(region) ?? this.other);
  }

  register(core: number, _step: number, reg: number, value: number): void {
    this.shadow[core]![reg] = value;
    const v = this.view;
    if (this.pending && v.core === core) {
      v.regMask |= 1 << reg;
      v.regs[reg] = value;
    }
  }

  event(e: MachineEvent): void {
    // the machine set these between instructions: read them now
    if (e.kind === 'exception-entry') this.readRegisters(e.core);
    if (e.kind === 'power') this.stale[e.core] = true; // reset: read at its next instruction
    const r = eventRecord(e, (a) => this.sym(a));
    if (this.pending) this.queued.push(r);
    else this.emit(r);
  }

  private flush(): void {
    if (this.pending) this.emitInsn(this.pending);
    this.pending = undefined;
    for (const r of this.queued) this.emit(r);
    this.queued = [];
  }

  /** whether a record at `step` is inside the window (the window's state moves on as records pass) */
  private inWindow(step: number, pc: number | undefined): boolean {
    if (this.state === 'before') {
      const from = this.sel.from!;
      const opens = 'step' in from ? step >= from.step : pc === this.fromPc;
      if (!opens) return false;
      this.state = 'open';
    } else if (this.state === 'after') {
      return false;
    }
    const to = this.sel.to;
    if (to && ('step' in to ? step > to.step : pc === this.toPc)) {
      this.state = 'after';
      return false;
    }
    return true;
  }

  private emitInsn(d: Decoded): void {
    const v = this.view;
    if (!this.inWindow(v.step, this.pendingPc)) return;
    const f = this.sel.filter;
    if (f) {
      if (f.symbols.length) d.symbolKept ??= f.symbols.some((g) => g.test(d.symName));
      if (!keepsInsn(f, v.core, this.pendingPc, d.symbolKept ?? true, v.mem, v.memCount, MEM_STRIDE)) return;
    }
    this.out.insn(v);
  }

  private emit(r: TraceRecord): void {
    if (!this.inWindow(r.step, undefined)) return;
    if (this.sel.filter && !keeps(this.sel.filter, r)) return;
    this.out.record(r);
  }

  /** the run ended: the last instruction is complete, write the end line */
  finish(): void {
    this.flush();
    this.out.finish();
  }

  abort(): void {
    this.out.abort();
  }
}
