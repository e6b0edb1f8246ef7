/**
 * Builds trace records from the machine's event stream. An instruction's
 * record is complete only when the next one starts (its register deltas come
 * from the stepper after it, docs/architecture.md "Events"), so the recorder
 * holds one pending instruction per run and the events that arrive while it
 * is pending follow it. Mode and Thumb state come from a per-core CPSR kept
 * up to date by the deltas and by exception entries, not from a register
 * read per step.
 */
import { InputError } from '../errors.js';
import { hex, wordBytes } from '../format.js';
import { disassemble } from '../disasm.js';
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import type { Machine } from '../machine/machine.js';
import { TRACED_REGS } from '../machine/native.js';
import { keeps, type TraceSelection, type WindowEdge } from './filter.js';
import type { TraceWriter } from './output.js';
import { eventRecord, type InsnRecord, modeName, type TraceRecord } from './record.js';

const CPSR = TRACED_REGS.indexOf('cpsr');
const CPSR_T = 1 << 5;

export class TraceRecorder implements MachineObserver {
  private pending: InsnRecord | undefined;
  private queued: TraceRecord[] = [];
  private readonly cpsr: (number | undefined)[] = [];
  private readonly asmCache = new Map<string, string>();
  private readonly symCache = new Map<number, string>();
  private readonly regions: { name: string; base: number; size: number }[];
  private state: 'before' | 'open' | 'after';
  private readonly fromPc: number | undefined;
  private readonly toPc: number | undefined;

  constructor(private readonly machine: Machine, private readonly out: TraceWriter, private readonly sel: TraceSelection = {}) {
    const b = machine.board;
    this.regions = [b.sram, b.dram];
    this.fromPc = this.symbolAddress('--trace-from', sel.from);
    this.toPc = this.symbolAddress('--trace-to', sel.to);
    this.state = sel.from ? 'before' : 'open';
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

  private region(address: number): string {
    for (const r of this.regions) if (address - r.base >= 0 && address - r.base < r.size) return r.name;
    return 'other';
  }

  fetch(core: number, step: number, pc: number, size: number, word: number): void {
    this.flush();
    const cpsr = (this.cpsr[core] ??= this.machine.cores[core]!.cpsr);
    const thumb = (cpsr & CPSR_T) !== 0;
    const key = `${pc}:${word}:${size}:${thumb ? 1 : 0}`;
    let asm = this.asmCache.get(key);
    if (asm === undefined) this.asmCache.set(key, (asm = disassemble(wordBytes(word, size), pc, thumb)));
    this.pending = {
      kind: 'insn', step, core, pc: hex(pc), sym: this.sym(pc), mode: modeName(cpsr), isa: thumb ? 'thumb' : 'arm',
      bytes: (word >>> 0).toString(16).padStart(size * 2, '0').slice(-size * 2), asm,
    };
  }

  private access(rw: 'r' | 'w', core: number, address: number, size: number, value: number): void {
    const p = this.pending;
    if (!p || p.core !== core) return;
    (p.mem ??= []).push({ rw, addr: hex(address), size, value: hex(value), region: this.region(address) });
  }

  read(core: number, _step: number, address: number, size: number, value: number): void {
    this.access('r', core, address, size, value);
  }

  write(core: number, _step: number, address: number, size: number, value: number): void {
    this.access('w', core, address, size, value);
  }

  register(core: number, _step: number, reg: number, value: number): void {
    if (reg === CPSR) this.cpsr[core] = value >>> 0;
    const p = this.pending;
    if (p && p.core === core) (p.regs ??= {})[TRACED_REGS[reg] ?? `r${reg}`] = hex(value);
  }

  event(e: MachineEvent): void {
    if (e.kind === 'exception-entry') this.cpsr[e.core] = this.machine.cores[e.core]!.cpsr;
    if (e.kind === 'power') this.cpsr[e.core] = undefined; // read afresh at its next instruction
    const r = eventRecord(e, (a) => this.sym(a));
    if (this.pending) this.queued.push(r);
    else this.emit(r);
  }

  private flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = undefined;
    for (const r of this.queued) this.emit(r);
    this.queued = [];
  }

  private emit(r: TraceRecord): void {
    if (this.state === 'before') {
      const from = this.sel.from!;
      const opens = 'step' in from ? r.step >= from.step : r.kind === 'insn' && Number(r.pc) === this.fromPc;
      if (!opens) return;
      this.state = 'open';
    } else if (this.state === 'after') {
      return;
    }
    const to = this.sel.to;
    if (to && ('step' in to ? r.step > to.step : r.kind === 'insn' && Number(r.pc) === this.toPc)) {
      this.state = 'after';
      return;
    }
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
