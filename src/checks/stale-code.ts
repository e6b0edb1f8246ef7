/**
 * StaleCodeDetector: a core fetches an instruction whose bytes it wrote itself
 * after its last context-synchronization event (ISB, exception entry or
 * return), e.g. a copy loop that overwrites itself. ARMv7 does not promise
 * such a core sees the new bytes. In strict mode bytes written by any core
 * count (the ARM rule for cross-modifying code).
 */
import type { Machine } from '../machine/machine.js';
import type { MachineEvent, MachineObserver } from '../machine/events.js';
import { deferDisassembly } from '../disasm.js';
import { wordBytes } from '../format.js';
import { isContextSync } from '../machine/arm.js';
import { AddressSet, WordMap } from './address-set.js';

export class StaleCodeDetector implements MachineObserver {
  /** per core: bytes written since its last context synchronization, tagged writer+1 */
  private readonly written: AddressSet[];
  private readonly lastPc: number[];
  private readonly reported = new Set<string>();
  /** where each written word was last written from (the writer's PC) */
  private readonly writtenBy = new WordMap();
  private readonly syncAfter: boolean[];
  readonly stateFields = ['written', 'lastPc', 'reported', 'writtenBy', 'syncAfter'];

  constructor(private readonly machine: Machine, private readonly strict: boolean) {
    const n = machine.cores.length;
    this.written = Array.from({ length: n }, () => new AddressSet());
    this.lastPc = new Array<number>(n).fill(0);
    this.syncAfter = new Array<boolean>(n).fill(false);
  }

  reset(): void {
    for (const s of this.written) s.clear();
    this.reported.clear();
    this.writtenBy.clear();
    this.syncAfter.fill(false);
  }

  write(core: number, _step: number, address: number, size: number): void {
    if (this.strict) for (const s of this.written) s.add(address, size, core + 1);
    else this.written[core]!.add(address, size, core + 1);
    this.writtenBy.set(address, this.lastPc[core]!);
  }

  fetch(core: number, step: number, pc: number, size: number, word: number): void {
    this.lastPc[core] = pc;
    const set = this.written[core]!;
    if (this.syncAfter[core]) {
      this.syncAfter[core] = false;
      set.clear();
    }
    if (set.size === 0) return;
    const hit = set.find(pc, size);
    if (hit >= 0) this.report(core, step, pc, size, set.tag(hit) - 1, word);
    if (size === 4 && isContextSync(word)) this.syncAfter[core] = true;
  }

  event(e: MachineEvent): void {
    // exception entry and coming out of reset synchronize the core's context
    if (e.kind === 'exception-entry' || (e.kind === 'power' && e.on)) this.written[e.core]!.clear();
  }

  private report(core: number, step: number, pc: number, size: number, writer: number, word: number): void {
    const key = `${core}:${pc}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const m = this.machine;
    const bytes = wordBytes(word, size);
    const thumb = m.firmware.isThumbAt(pc) ?? size === 2;
    const from = this.writtenBy.get(pc) ?? this.writtenBy.get(pc + size - 1) ?? this.lastPc[writer]!;
    const instruction = deferDisassembly(bytes, pc, thumb);
    m.reportHazard({
      kind: 'stale-code', step,
      writer: { core: writer, pc: from, symbol: m.symbolize(from) },
      victim: { core, pc, symbol: m.symbolize(pc) },
      address: pc,
      get instruction() { return instruction(); },
      detail: writer === core
        ? `core ${core} executes bytes it wrote without an ISB or exception since`
        : `core ${core} executes bytes core ${writer} wrote, without an ISB or exception since (strict code sync)`,
    });
  }
}

