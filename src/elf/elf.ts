/**
 * Firmware images: ELF32, little-endian ARM executables. Everything is checked
 * here, before any byte reaches native code, and every refusal is one line
 * naming the file (InputError, exit code 2).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Board } from '../machine/board.js';
import { InputError } from '../errors.js';
import { hex } from '../format.js';

const require = createRequire(import.meta.url);
const elfTools = require('elf-tools') as { parse(b: Buffer): ParsedElf };

interface ParsedElf {
  header: { class: string; endian: string; type: string; machine: string; entry: number; shnum: number };
  programs: { header: { type: string; offset: number; paddr: number; vaddr: number; filesz: number; memsz: number; flags: string }; data: Buffer }[];
  sections: { header: { name: string; type: string; addr: number; offset: number; size: number; link: number; entsize: number }; data?: Buffer }[];
}

export interface Segment {
  address: number;
  data: Uint8Array;
  memSize: number;
  executable: boolean;
}

export interface ElfSymbol {
  name: string;
  address: number;
  size: number;
  kind: 'func' | 'object' | 'label';
}

export class FirmwareImage {
  /** sorted by address; ARM mapping symbols ($a/$t/$d) kept apart */
  readonly symbols: ElfSymbol[];
  private readonly mapping: { address: number; state: 'a' | 't' | 'd' }[];

  constructor(
    readonly path: string,
    readonly entry: number,
    readonly segments: Segment[],
    symbols: ElfSymbol[],
    mapping: { address: number; state: 'a' | 't' | 'd' }[],
    readonly bytes: Uint8Array,
  ) {
    this.symbols = symbols.sort((a, b) => a.address - b.address || rank(a) - rank(b));
    this.mapping = mapping.sort((a, b) => a.address - b.address);
  }

  symbol(name: string): ElfSymbol | undefined {
    return this.symbols.find((s) => s.name === name);
  }

  /** `name+0xoff` of the nearest symbol at or below address, or the hex address */
  symbolize(address: number): string {
    const a = address >>> 0;
    let lo = 0;
    let hi = this.symbols.length - 1;
    let best: ElfSymbol | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.symbols[mid]!;
      if (s.address <= a) { best = s; lo = mid + 1; } else hi = mid - 1;
    }
    // prefer a function over a local label at the same address
    if (best) {
      const same = this.symbols.filter((s) => s.address === best!.address);
      best = same.sort((x, y) => rank(x) - rank(y))[0]!;
    }
    if (!best || a - best.address > 0x100000) return hex(a);
    const off = a - best.address;
    return off ? `${best.name}+0x${off.toString(16)}` : best.name;
  }

  /** whether the code at address was assembled as Thumb, from the mapping symbols */
  isThumbAt(address: number): boolean | undefined {
    let state: 'a' | 't' | 'd' | undefined;
    for (const m of this.mapping) {
      if (m.address > address) break;
      state = m.state;
    }
    return state === undefined || state === 'd' ? undefined : state === 't';
  }

  /** [start, end) pairs from `<prefix>_start` / `<prefix>_end` symbol pairs (e.g. __penlab_safe) */
  ranges(prefix: string): [number, number][] {
    const out: [number, number][] = [];
    for (const s of this.symbols) {
      if (!s.name.startsWith(prefix) || !s.name.endsWith('_start')) continue;
      const end = this.symbol(s.name.slice(0, -'_start'.length) + '_end');
      if (end && end.address > s.address) out.push([s.address, end.address]);
    }
    return out;
  }
}

function rank(s: ElfSymbol): number {
  return s.kind === 'func' ? 0 : s.kind === 'object' ? 1 : 2;
}


export function loadFirmware(path: string, board: Board): FirmwareImage {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read firmware (${code ?? String(e)})`);
  }
  return parseFirmware(path, file, board);
}

export function parseFirmware(path: string, file: Buffer, board: Board): FirmwareImage {
  const bad = (why: string) => new InputError(`${path}: ${why}`);
  if (file.length < 52) throw bad(`not an ELF file (${file.length} bytes, shorter than an ELF32 header)`);
  if (file.readUInt32BE(0) !== 0x7f454c46) throw bad('not an ELF file (bad magic)');
  if (file[4] !== 1) throw bad(`ELF class ${file[4] === 2 ? '64' : file[4]} is not supported: penlab runs ELF32 ARM images`);
  if (file[5] !== 1) throw bad('big-endian ELF is not supported: penlab runs little-endian ARM images');
  const machine = file.readUInt16LE(18);
  if (machine !== 40) throw bad(`ELF machine ${machine} is not ARM (40)`);
  const type = file.readUInt16LE(16);
  if (type !== 2) throw bad(`ELF type ${type} is not an executable (ET_EXEC): link the firmware first`);
  const phoff = file.readUInt32LE(28);
  const phnum = file.readUInt16LE(44);
  const shoff = file.readUInt32LE(32);
  const shnum = file.readUInt16LE(48);
  if (phnum === 0) throw bad('no program headers: nothing to load');
  if (phoff + phnum * 32 > file.length) throw bad('truncated: program headers run past the end of the file');
  if (shnum && shoff + shnum * 40 > file.length) throw bad('truncated: section headers run past the end of the file');

  let elf: ParsedElf;
  try {
    elf = elfTools.parse(file);
  } catch (e) {
    throw bad(`malformed ELF: ${(e as Error).message.split('\n')[0]}`);
  }

  const segments: Segment[] = [];
  const rams = [board.sram, board.dram];
  for (const [i, p] of elf.programs.entries()) {
    const h = p.header;
    if (h.type !== 'load' || h.memsz === 0) continue;
    if (h.offset + h.filesz > file.length || p.data.length !== h.filesz) {
      throw bad(`truncated: segment ${i} needs file bytes up to ${h.offset + h.filesz}, the file has ${file.length}`);
    }
    if (h.filesz > h.memsz) throw bad(`segment ${i}: file size ${h.filesz} exceeds memory size ${h.memsz}`);
    const start = h.paddr >>> 0;
    const ram = rams.find((r) => start >= r.base && start + h.memsz <= r.base + r.size);
    if (!ram) {
      throw bad(`segment ${i} at ${hex(start)}-${hex(start + h.memsz)} is outside the board's RAM `
        + `(SRAM ${hex(board.sram.base)}-${hex(board.sram.base + board.sram.size)}, DRAM ${hex(board.dram.base)}-${hex(board.dram.base + board.dram.size)})`);
    }
    segments.push({ address: start, data: new Uint8Array(p.data), memSize: h.memsz, executable: h.flags.includes('execute') });
  }
  if (!segments.length) throw bad('no loadable segment');
  const entry = elf.header.entry >>> 0;
  const entryAddr = entry & ~1;
  if (!segments.some((s) => s.executable && entryAddr >= s.address && entryAddr < s.address + s.memSize)) {
    throw bad(`entry point ${hex(entry)} is not inside an executable segment`);
  }

  const symbols: ElfSymbol[] = [];
  const mapping: { address: number; state: 'a' | 't' | 'd' }[] = [];
  const symtab = elf.sections.find((s) => s.header.type === 'symtab');
  if (symtab) {
    const strtab = elf.sections[symtab.header.link];
    const { offset, size } = symtab.header;
    if (!strtab || offset + size > file.length || strtab.header.offset + strtab.header.size > file.length) {
      throw bad('truncated: symbol table runs past the end of the file');
    }
    const str = file.subarray(strtab.header.offset, strtab.header.offset + strtab.header.size);
    for (let o = offset + 16; o + 16 <= offset + size; o += 16) {
      const nameOff = file.readUInt32LE(o);
      const value = file.readUInt32LE(o + 4) >>> 0;
      const symSize = file.readUInt32LE(o + 8);
      const info = file[o + 12]!;
      const shndx = file.readUInt16LE(o + 14);
      if (shndx === 0 || shndx === 0xfff1 || nameOff >= str.length) continue; // undefined, absolute (.equ, sizes)
      const end = str.indexOf(0, nameOff);
      const name = str.subarray(nameOff, end < 0 ? str.length : end).toString('latin1');
      const stype = info & 0xf;
      if (!name || stype === 3 || stype === 4) continue; // section, file
      if (/^\$[atd](\.|$)/.test(name)) {
        mapping.push({ address: value & ~1, state: name[1] as 'a' | 't' | 'd' });
        continue;
      }
      symbols.push({ name, address: stype === 2 ? value & ~1 : value, size: symSize, kind: stype === 2 ? 'func' : stype === 1 ? 'object' : 'label' });
    }
  }
  return new FirmwareImage(path, entry, segments, symbols, mapping, new Uint8Array(file));
}
