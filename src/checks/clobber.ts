/**
 * ClobberDetector: a core writes an address that another core has fetched an
 * instruction from since that core last entered a safe region (docs/concepts.md,
 * "Words"). Tracked per instruction byte, not per page, so data that shares a
 * page with code is no false alarm. Reported at the write; under --memory
 * relaxed at the moment the store becomes visible to the victim (its drain).
 */
import type { Machine } from '../machine/machine.js';
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import { deferDisassembly } from '../disasm.js';
import { wordBytes } from '../format.js';
import { AddressSet, HalfwordMap } from './address-set.js';

export type Range = [number, number];

export class ClobberDetector implements MachineObserver {
  /**
   * per fetched byte, where its instruction starts and its size: tag
   * (offset << 4) | size. Bytes, not objects: a core sliding through fresh
   * memory fetches a new address every step.
   */
  private readonly fetched: AddressSet[];
  /** the word first seen at each fetched address: the instruction a write destroys (zeros cost nothing) */
  private readonly code: HalfwordMap[];
  private readonly inSafe: boolean[];
  private readonly lastPc: number[];
  readonly stateFields = ['fetched', 'code', 'inSafe', 'lastPc'];

  constructor(private readonly machine: Machine, private readonly safe: (a: number) => boolean) {
    const n = machine.cores.length;
    this.fetched = Array.from({ length: n }, () => new AddressSet());
    this.code = Array.from({ length: n }, () => new HalfwordMap());
    this.inSafe = new Array<boolean>(n).fill(false);
    this.lastPc = new Array<number>(n).fill(0);
  }

  reset(): void {
    for (const s of this.fetched) s.clear();
    for (const m of this.code) m.clear();
    this.inSafe.fill(false);
  }

  event(e: MachineEvent): void {
    if (e.kind === 'visible') this.check(e.core, e.step, e.address, e.size, e.pc);
    // a core that is off executes nothing: what it ran before cannot be clobbered under it
    if (e.kind === 'power' && !e.on) {
      this.fetched[e.core]!.clear();
      this.code[e.core]!.clear();
    }
  }

  fetch(core: number, _step: number, pc: number, size: number, word: number): void {
    this.lastPc[core] = pc;
    if (this.safe(pc)) {
      if (!this.inSafe[core]) {
        // entered a safe region: nothing fetched before can hurt it any more
        this.inSafe[core] = true;
        this.fetched[core]!.clear();
        this.code[core]!.clear();
      }
    } else {
      this.inSafe[core] = false;
    }
    // byte k of the instruction is tagged (k << 4) | size; an instruction fetched
    // again since the last clear finds its tags in place and writes nothing
    if (this.fetched[core]!.add(pc, size, size, 1 << 4)) this.code[core]!.set(pc, word);
  }

  write(core: number, step: number, address: number, size: number): void {
    // relaxed: other cores see a buffered store when it drains (the 'visible' event)
    if (!this.machine.memory.relaxed) this.check(core, step, address, size, this.lastPc[core]!);
  }

  private check(core: number, step: number, address: number, size: number, writerPc: number): void {
    for (let v = 0; v < this.fetched.length; v++) {
      if (v === core) continue;
      const hit = this.fetched[v]!.find(address, size);
      if (hit < 0) continue;
      const m = this.machine;
      const insnAt = this.instructionAt(v, hit);
      m.reportHazard({
        kind: 'clobber', step,
        writer: { core, pc: writerPc, symbol: m.symbolize(writerPc) },
        victim: { core: v, pc: m.cores[v]!.pc, symbol: m.symbolize(m.cores[v]!.pc) },
        address: hit,
        get instruction() { return insnAt?.(); },
        detail: `core ${v} fetched ${m.symbolize(hit)} and has not entered a safe region since`,
      });
      // one report per victim instruction: a copy loop must not repeat it
      this.forget(v, hit);
    }
  }

  /** the fetched instruction a byte belongs to: its address and size */
  private instructionOf(core: number, byte: number): { start: number; size: number } | undefined {
    const tag = this.fetched[core]!.tag(byte);
    return tag ? { start: byte - (tag >>> 4), size: tag & 0xf } : undefined;
  }

  private forget(core: number, byte: number): void {
    const insn = this.instructionOf(core, byte);
    if (!insn) return;
    this.fetched[core]!.remove(insn.start, insn.size);
    this.code[core]!.set(insn.start, 0);
  }

  private instructionAt(core: number, byte: number): (() => string) | undefined {
    const insn = this.instructionOf(core, byte);
    if (!insn) return undefined;
    const bytes = wordBytes(this.code[core]!.get(insn.start), insn.size);
    const fw = this.machine.firmware.isThumbAt(insn.start);
    return deferDisassembly(bytes, insn.start, fw ?? insn.size === 2);
  }
}

