/**
 * The last few instructions each core retired, disassembled: what a failure
 * report shows under each core. An observer: subscribe it for the replayed
 * run, then read `lines()`.
 */
import type { FirmwareImage } from '../elf/elf.js';
import { hex, wordBytes } from '../format.js';
import type { MachineObserver } from '../machine/events.js';
import { disassemble } from '../disasm.js';

interface Retired {
  pc: number;
  size: number;
  step: number;
  word: number;
}

export class RecentInstructions implements MachineObserver {
  private readonly ring: Retired[][];

  constructor(cores: number, private readonly firmware: FirmwareImage, private readonly keep = 6) {
    this.ring = Array.from({ length: cores }, () => []);
  }

  fetch(core: number, step: number, pc: number, size: number, word: number): void {
    const r = this.ring[core]!;
    r.push({ pc, size, step, word });
    if (r.length > this.keep) r.shift();
  }

  lines(): { core: number; lines: string[] }[] {
    const fw = this.firmware;
    return this.ring.map((r, core) => ({
      core,
      lines: r.map((x) => {
        const text = disassemble(wordBytes(x.word, x.size), x.pc, fw.isThumbAt(x.pc) ?? x.size === 2);
        return `${x.step} ${hex(x.pc)} ${text.padEnd(28)} ; ${fw.symbolize(x.pc)}`;
      }),
    }));
  }
}
